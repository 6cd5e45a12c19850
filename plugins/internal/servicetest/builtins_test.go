package servicetest_test

import (
	"context"
	"crypto/ed25519"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/auth"
	"github.com/aurahost/aura-host/plugins/crypto"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
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
	handlers map[string]*sdktest.Harness // by family
	opts     []sdktest.Option
}

func newWorld(t *testing.T, seed uint64) *world {
	authority := effects.DeriveAuthorityID("alice", seed)
	opts := []sdktest.Option{sdktest.WithMode(effects.Simulation, seed), sdktest.WithAuthority(authority)}
	w := &world{clock: simclock.NewClock(1_000_000), opts: opts, handlers: map[string]*sdktest.Harness{
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
	device := ed25519.NewKeyFromSeed(make([]byte, 32))
	guardian := func(b byte) ed25519.PrivateKey { return ed25519.NewKeyFromSeed(append(make([]byte, 31), b)) }
	g1, g2 := guardian(1), guardian(2)

	// auth: a device answers a challenge with its key.
	au := w.start(t, auth.New())
	ch := must(t, au, effects.AuthCreateChallenge, sdk.Null())
	nonce, _ := plugintest.Field(t, ch, "nonce").AsBytes()
	res := must(t, au, effects.AuthVerify, args("challenge_id", plugintest.Field(t, ch, "id"), "method", sdk.String(auth.MethodDeviceKey),
		"signature", sdk.Bytes(ed25519.Sign(device, nonce)), "public_key", sdk.Bytes(device.Public().(ed25519.PublicKey))))
	if ok, _ := plugintest.Field(t, res, "authenticated").AsBool(); !ok {
		t.Fatalf("auth.verify = %v", res)
	}

	// invitation: invite, export, import again, accept.
	inv := w.start(t, invitation.New())
	iid := str(t, must(t, inv, effects.InvitationInvite, args("kind", sdk.String(invitation.KindGuardian), "sender", sdk.String("alice"),
		"receiver", sdk.String("bob"), "ttl_ms", sdk.Int(60_000))), "id")
	code := must(t, inv, effects.InvitationExport, args("id", sdk.String(iid)))
	must(t, inv, effects.InvitationImport, args("code", code))
	must(t, inv, effects.InvitationAccept, args("id", sdk.String(iid), "as", sdk.String("bob")))

	// recovery: two of two guardians approve; a tampered approval is denied.
	rec := w.start(t, recovery.New())
	gs := sdk.List(
		args("id", sdk.String("g1"), "public_key", sdk.Bytes(g1.Public().(ed25519.PublicKey))),
		args("id", sdk.String("g2"), "public_key", sdk.Bytes(g2.Public().(ed25519.PublicKey))))
	rid := str(t, must(t, rec, effects.RecoveryInitiate, args("account", sdk.String("alice"), "operation", sdk.String(recovery.OperationAddDevice),
		"guardians", gs, "threshold", sdk.Int(2), "ttl_ms", sdk.Int(60_000))), "id")
	msg := recovery.ApprovalMessage(rid, recovery.OperationAddDevice, "alice")
	must(t, rec, effects.RecoverySubmitApproval, args("recovery_id", sdk.String(rid), "guardian_id", sdk.String("g1"), "signature", sdk.Bytes(ed25519.Sign(g1, msg))))
	bad := ed25519.Sign(g2, msg)
	bad[10] ^= 1
	fails(t, rec, effects.RecoverySubmitApproval, args("recovery_id", sdk.String(rid), "guardian_id", sdk.String("g2"), "signature", sdk.Bytes(bad)), sdk.CodeDenied, "does not verify")
	done := must(t, rec, effects.RecoverySubmitApproval, args("recovery_id", sdk.String(rid), "guardian_id", sdk.String("g2"), "signature", sdk.Bytes(ed25519.Sign(g2, msg))))
	if st := str(t, done, "state"); st != recovery.StateComplete {
		t.Fatalf("recovery state %q, want complete", st)
	}

	// session and rendezvous, then let virtual time pass their expiries.
	ses := w.start(t, session.New())
	sid := str(t, must(t, ses, effects.SessionCreate, args("kind", sdk.String(session.KindThreshold), "participants", plugintest.Strs("g1", "g2"),
		"my_role", sdk.String("coordinator"), "ttl_ms", sdk.Int(1000))), "id")
	rv := w.start(t, rendezvous.New())
	must(t, rv, effects.RendezvousPublish, args("peer", sdk.String("bob"), "descriptor", args("addr", sdk.String("10.0.0.2")), "validity_ms", sdk.Int(1000)))
	w.advance(t, 1000)
	fails(t, rv, effects.RendezvousLookup, args("peer", sdk.String("bob")), sdk.CodeNotFound, "expired")

	// Restarted services rebuild from the journal.
	inv = w.start(t, invitation.New())
	if st := str(t, must(t, inv, effects.InvitationGet, args("id", sdk.String(iid))), "status"); st != invitation.StatusAccepted {
		t.Fatalf("invitation after restart: %q, want accepted", st)
	}
	rec = w.start(t, recovery.New())
	if st := str(t, plugintest.Field(t, must(t, rec, effects.RecoveryGet, args("id", sdk.String(rid))), "state"), "state"); st != recovery.StateComplete {
		t.Fatalf("recovery after restart: %q, want complete", st)
	}
	ses = w.start(t, session.New()) // cleans the expired session at start
	fails(t, ses, effects.SessionGet, args("id", sdk.String(sid)), sdk.CodeNotFound, "cleaned after it expired")
	au = w.start(t, auth.New())
	fails(t, au, effects.AuthVerify, args("challenge_id", plugintest.Field(t, ch, "id"), "method", sdk.String(auth.MethodDeviceKey),
		"signature", sdk.Bytes(ed25519.Sign(device, nonce)), "public_key", sdk.Bytes(device.Public().(ed25519.PublicKey))), sdk.CodeConflict, "already used")

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
