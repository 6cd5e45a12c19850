package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/plugins/internal/servicetest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

// TestAttackForeignKeyIsUnknownDevice is issue 11's attack #4 on auth: a
// freshly generated key, belonging to no device of the authority, answers
// a challenge with a perfectly valid signature. Before the fix the service
// authenticated it; now it is unknown_device, and nothing changes: no fact,
// and the challenge is still open for an enrolled device.
func TestAttackForeignKeyIsUnknownDevice(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	hs := start(t, host)
	id, nonce := issue(t, hs)
	_, stranger, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	before := host.FactCount()
	for _, sig := range [][]byte{sign(stranger, nonce), ed25519.Sign(stranger, nonce)} {
		plugintest.Fails(t, hs, effects.AuthVerify, verifyArgs(id, sig, pub(stranger), MethodDeviceKey), sdk.CodeUnknownDevice,
			"is not in this authority's device set")
	}
	if n := host.FactCount(); n != before {
		t.Fatalf("a refused verify changed the journal: %d facts before, %d after", before, n)
	}
	got := plugintest.Must(t, hs, effects.AuthVerify, verifyArgs(id, sign(aliceKey, nonce), pub(aliceKey), MethodDeviceKey))
	if ok, _ := plugintest.Field(t, got, "authenticated").AsBool(); !ok {
		t.Fatalf("the enrolled device could not use the challenge the stranger tried: %v", got)
	}
}

// enrolmentFact is an auth.device_enrolled fact for key, signed by signer.
func enrolmentFact(authority effects.AuthorityID, key ed25519.PublicKey, signer ed25519.PrivateKey) service.Fact {
	e := enrolment{authority: authority.String(), key: key, signer: signer.Public().(ed25519.PublicKey), enrolledMS: t0}
	e.signature = ed25519.Sign(signer, effects.DeviceSigningMessage(effects.PurposeDeviceEnrolment, e.signed().Canonical()))
	return service.Fact{Predicate: PredicateDeviceEnrolled, Time: t0, Body: e.body()}
}

func appendFact(t *testing.T, host *servicetest.Host, f service.Fact) {
	t.Helper()
	if _, err := host.Invoke(context.Background(), &sdk.Call{Op: effects.JournalAppendFact, Args: args("fact", f.Value(aliceID))}); err != nil {
		t.Fatal(err)
	}
}

// TestDeviceSet: the genesis enrolment is journaled once; a device
// enrolled by a member authenticates; enrolments merged into the journal
// that no member signed — self-signed by a stranger, signed by a stranger
// for another key, or a member's signature for another authority — add
// nothing.
func TestDeviceSet(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	hs := start(t, host)
	list := func() []sdk.Value {
		return plugintest.Must(t, start(t, host), effects.AuthListDevices, sdk.Null()).Items()
	}
	if got := list(); len(got) != 1 || !got[0].Equal(sdk.Bytes(pub(aliceKey))) {
		t.Fatalf("device set at start = %v, want the agent's own key", got)
	}
	if n := len(host.Bodies(PredicateDeviceEnrolled)); n != 1 {
		t.Fatalf("genesis journaled %d enrolments across restarts, want 1", n)
	}

	phone := device(7)
	plugintest.Must(t, hs, effects.AuthEnrollDevice, args("public_key", sdk.Bytes(pub(phone))))
	plugintest.Fails(t, hs, effects.AuthEnrollDevice, args("public_key", sdk.Bytes(pub(phone))), sdk.CodeConflict, "already enrolled")
	id, nonce := issue(t, hs)
	if ok, _ := plugintest.Field(t, plugintest.Must(t, hs, effects.AuthVerify, verifyArgs(id, sign(phone, nonce), pub(phone), MethodDeviceKey)), "authenticated").AsBool(); !ok {
		t.Fatal("an enrolled phone did not authenticate")
	}

	stranger, other := device(8), device(9)
	appendFact(t, host, enrolmentFact(aliceID, pub(stranger), stranger))
	appendFact(t, host, enrolmentFact(aliceID, pub(other), stranger))
	appendFact(t, host, enrolmentFact(effects.DeriveAuthorityID("bob", 1), pub(other), aliceKey))
	if got := list(); len(got) != 2 {
		t.Fatalf("device set after forged enrolments = %v, want alice's two devices", got)
	}
	restarted := start(t, host)
	id, nonce = issue(t, restarted)
	plugintest.Fails(t, restarted, effects.AuthVerify, verifyArgs(id, sign(stranger, nonce), pub(stranger), MethodDeviceKey), sdk.CodeUnknownDevice, "device set")
}

// noDevice is a host without the device family, as a plain plugin host
// (no agent runtime) is.
type noDevice struct{ *servicetest.Host }

func (h noDevice) Invoke(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	if c.Op.Family() == "device" {
		return sdk.Value{}, sdk.Errorf(sdk.CodeUnknownOp, "no plugin serves %s", c.Op)
	}
	return h.Host.Invoke(ctx, c)
}

// TestWithoutAnAgentNoKeyAuthenticates: with no device family there is no
// anchor, so the device set is empty: every key is unknown_device, an
// enrolment is unavailable, and the service is healthy all the same.
func TestWithoutAnAgentNoKeyAuthenticates(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	hs := sdktest.New(t, New(), sdktest.WithHost(noDevice{host}), sdktest.WithAuthority(aliceID))
	if err := hs.Client.Start(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	id, nonce := issue(t, hs)
	plugintest.Fails(t, hs, effects.AuthVerify, verifyArgs(id, sign(aliceKey, nonce), pub(aliceKey), MethodDeviceKey), sdk.CodeUnknownDevice, "0 enrolled")
	plugintest.Fails(t, hs, effects.AuthEnrollDevice, args("public_key", sdk.Bytes(pub(aliceKey))), sdk.CodeUnavailable, "no device key")
	if h, _ := hs.Client.Health(context.Background()); h.Status != sdk.Healthy {
		t.Fatalf("health without an agent = %v, want healthy", h)
	}
}
