package servicetest_test

import (
	"context"
	"crypto/ed25519"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/internal/descriptor"
	"github.com/aurahost/aura-host/plugins/auth"
	"github.com/aurahost/aura-host/plugins/crypto"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/plugins/internal/servicetest"
	"github.com/aurahost/aura-host/plugins/invitation"
	"github.com/aurahost/aura-host/plugins/journal"
	"github.com/aurahost/aura-host/plugins/random"
	"github.com/aurahost/aura-host/plugins/recovery"
	"github.com/aurahost/aura-host/plugins/rendezvous"
	"github.com/aurahost/aura-host/plugins/session"
	"github.com/aurahost/aura-host/plugins/simclock"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

var args, str, must, fails = plugintest.Args, plugintest.Str, plugintest.Must, plugintest.Fails

// world is the built-in effect plugins a service calls, each served over
// gRPC, in simulation mode: the journal (bbolt in a temp dir), crypto,
// seeded random, and a virtual clock the test advances.
type world struct {
	clock    *simclock.Clock
	device   *servicetest.Host           // serves only the device family, as host/agent would
	handlers map[string]*sdktest.Harness // by family
	opts     []sdktest.Option
}

func newWorld(t *testing.T, seed uint64) *world {
	authority := effects.DeriveAuthorityID("alice", seed)
	opts := []sdktest.Option{sdktest.WithMode(effects.Simulation, seed), sdktest.WithAuthority(authority)}
	w := &world{clock: simclock.NewClock(1_000_000), device: servicetest.NewHost(0), opts: opts, handlers: map[string]*sdktest.Harness{
		"journal": sdktest.New(t, journal.New(), opts...),
		"crypto":  sdktest.New(t, crypto.New(), opts...),
		"random":  sdktest.New(t, random.New(), opts...),
	}}
	w.handlers["clock"] = sdktest.New(t, simclock.NewWithClock(w.clock), opts...)
	return w
}

// Invoke routes a service's call to the plugin serving its family, as the
// host's router would.
func (w *world) Invoke(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	if c.Op.Family() == "device" {
		return w.device.Invoke(ctx, c)
	}
	h, ok := w.handlers[c.Op.Family()]
	if !ok {
		return sdk.Value{}, sdk.Errorf(sdk.CodeUnknownOp, "no plugin serves %s", c.Op)
	}
	return h.Invoke(ctx, c.Op, c.Args)
}

// start serves and starts a service plugin against the world.
func (w *world) start(t *testing.T, p *sdk.Plugin) *sdktest.Harness {
	t.Helper()
	hs := sdktest.New(t, p, append(w.opts, sdktest.WithHost(w))...)
	if err := hs.Client.Start(context.Background(), 0); err != nil {
		t.Fatalf("start %s: %v", p.Name, err)
	}
	return hs
}

func (w *world) advance(t *testing.T, ms int64) {
	t.Helper()
	if _, err := w.clock.Advance(ms); err != nil {
		t.Fatal(err)
	}
}

// scenario runs every service through its main paths, restarts them, and
// returns the journal's Merkle root.
func scenario(t *testing.T, seed uint64) sdk.Value {
	w := newWorld(t, seed)
	alice := effects.DeriveAuthorityID("alice", seed)
	device := servicetest.DeviceKey(alice)
	party := func(label string) string { return effects.DeriveAuthorityID(label, seed).String() }
	signAs := func(label, purpose string, msg []byte) []byte {
		return ed25519.Sign(servicetest.DeviceKey(effects.DeriveAuthorityID(label, seed)), effects.DeviceSigningMessage(purpose, msg))
	}

	// auth: the agent's device (enrolled at start) answers a challenge.
	au := w.start(t, auth.New())
	ch := must(t, au, effects.AuthCreateChallenge, sdk.Null())
	nonce, _ := plugintest.Field(t, ch, "nonce").AsBytes()
	answer := ed25519.Sign(device, effects.DeviceSigningMessage(effects.PurposeAuthChallenge, nonce))
	res := must(t, au, effects.AuthVerify, args("challenge_id", plugintest.Field(t, ch, "id"), "method", sdk.String(auth.MethodDeviceKey),
		"signature", sdk.Bytes(answer), "public_key", sdk.Bytes(device.Public().(ed25519.PublicKey))))
	if ok, _ := plugintest.Field(t, res, "authenticated").AsBool(); !ok {
		t.Fatalf("auth.verify = %v", res)
	}

	// invitation: invite, export, import again (a known invitation).
	inv := w.start(t, invitation.New())
	iid := str(t, must(t, inv, effects.InvitationInvite, args("kind", sdk.String(invitation.KindGuardian),
		"receiver", sdk.String(party("bob")), "ttl_ms", sdk.Int(60_000))), "id")
	code := must(t, inv, effects.InvitationExport, args("id", sdk.String(iid)))
	must(t, inv, effects.InvitationImport, args("code", code))

	// recovery: the guardian set, then two of two guardians approve; a
	// tampered approval is refused.
	rec := w.start(t, recovery.New())
	must(t, rec, effects.RecoverySetGuardians, args("guardians", plugintest.Strs(party("g1"), party("g2")), "threshold", sdk.Int(2)))
	rid := str(t, must(t, rec, effects.RecoveryInitiate, args("operation", sdk.String(recovery.OperationAddDevice), "ttl_ms", sdk.Int(60_000))), "id")
	msg := recovery.ApprovalMessage(rid, recovery.OperationAddDevice, alice.String())
	approve := func(g string, sig []byte) sdk.Value {
		return args("recovery_id", sdk.String(rid), "guardian_id", sdk.String(party(g)), "signature", sdk.Bytes(sig))
	}
	must(t, rec, effects.RecoverySubmitApproval, approve("g1", signAs("g1", effects.PurposeRecoveryApproval, msg)))
	bad := signAs("g2", effects.PurposeRecoveryApproval, msg)
	bad[10] ^= 1
	fails(t, rec, effects.RecoverySubmitApproval, approve("g2", bad), sdk.CodeInvalidSignature, "does not verify")
	done := must(t, rec, effects.RecoverySubmitApproval, approve("g2", signAs("g2", effects.PurposeRecoveryApproval, msg)))
	if st := str(t, done, "state"); st != recovery.StateComplete {
		t.Fatalf("recovery state %q, want complete", st)
	}

	// session and rendezvous, then let virtual time pass their expiries.
	ses := w.start(t, session.New())
	sid := str(t, must(t, ses, effects.SessionCreate, args("kind", sdk.String(session.KindThreshold), "participants", plugintest.Strs("g1", "g2"),
		"my_role", sdk.String("coordinator"), "ttl_ms", sdk.Int(1000))), "id")
	rv := w.start(t, rendezvous.New())
	bob := effects.DeriveAuthorityID("bob", seed)
	bobDescriptor, err := descriptor.Sign(servicetest.DeviceKey(bob), descriptor.Descriptor{Authority: bob,
		Addresses: []string{"10.0.0.2:7000"}, IssuedMS: 1_000_000, ExpiresMS: 1_000_000 + 3_600_000, Seq: 1})
	if err != nil {
		t.Fatal(err)
	}
	must(t, rv, effects.RendezvousPublish, args("peer", sdk.String(bob.String()), "descriptor", bobDescriptor.Value(), "validity_ms", sdk.Int(1000)))
	w.advance(t, 1000)
	fails(t, rv, effects.RendezvousLookup, args("peer", sdk.String(bob.String())), sdk.CodeNotFound, "expired")

	// Restarted services rebuild from the journal.
	inv = w.start(t, invitation.New())
	if st := str(t, must(t, inv, effects.InvitationGet, args("id", sdk.String(iid))), "status"); st != invitation.StatusPending {
		t.Fatalf("invitation after restart: %q, want pending", st)
	}
	rec = w.start(t, recovery.New())
	if st := str(t, plugintest.Field(t, must(t, rec, effects.RecoveryGet, args("id", sdk.String(rid))), "state"), "state"); st != recovery.StateComplete {
		t.Fatalf("recovery after restart: %q, want complete", st)
	}
	ses = w.start(t, session.New()) // cleans the expired session at start
	fails(t, ses, effects.SessionGet, args("id", sdk.String(sid)), sdk.CodeNotFound, "cleaned after it expired")
	au = w.start(t, auth.New())
	fails(t, au, effects.AuthVerify, args("challenge_id", plugintest.Field(t, ch, "id"), "method", sdk.String(auth.MethodDeviceKey),
		"signature", sdk.Bytes(answer), "public_key", sdk.Bytes(device.Public().(ed25519.PublicKey))), sdk.CodeConflict, "already used")

	return must(t, w.handlers["journal"], effects.JournalMerkleRoot, sdk.Null())
}

// TestServicesOnTheBuiltinEffectPlugins runs the services against the real
// journal, crypto, random and simulation clock plugins, and checks that a
// simulation is reproducible: the same seed journals the same facts.
func TestServicesOnTheBuiltinEffectPlugins(t *testing.T) {
	t.Parallel()
	first, again, other := scenario(t, 7), scenario(t, 7), scenario(t, 8)
	if !first.Equal(again) {
		t.Fatalf("the same seed gave journals with roots %v and %v", first, again)
	}
	if first.Equal(other) {
		t.Fatalf("different seeds gave the same journal root %v", first)
	}
}
