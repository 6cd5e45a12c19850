package ceremony

import (
	"context"
	"crypto/ed25519"
	"sync"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/plugins/internal/servicetest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

var args = plugintest.Args

const t0 = 5_000_000

func party(label string) sdk.AuthorityID { return effects.DeriveAuthorityID(label, 1) }
func auth(label string) string           { return party(label).String() }
func key(label string) ed25519.PrivateKey {
	return servicetest.DeviceKey(party(label))
}

// keyHost is the fake host with a crypto plugin's held keys: handle →
// "pending", "active"; commit and abort as the crypto plugin does them.
type keyHost struct {
	*servicetest.Host
	mu         sync.Mutex
	keys       map[string]string
	failCommit bool
	commits    int
}

func newKeyHost() *keyHost {
	return &keyHost{Host: servicetest.NewHost(t0), keys: map[string]string{"key-1": "pending", "key-2": "pending"}}
}

func (k *keyHost) state(handle string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.keys[handle]
}

func (k *keyHost) Invoke(ctx context.Context, call *sdk.Call) (sdk.Value, error) {
	handle, _ := call.Arg("key").AsString()
	k.mu.Lock()
	defer k.mu.Unlock()
	st, held := k.keys[handle]
	switch call.Op {
	case effects.CryptoFrostKeyInfo:
		if !held {
			return sdk.Value{}, sdk.Errorf(sdk.CodeNotFound, "no key %q", handle)
		}
		return args("key", sdk.String(handle), "state", sdk.String(st)), nil
	case effects.CryptoFrostDKGCommit:
		if k.failCommit {
			return sdk.Value{}, sdk.Errorf(sdk.CodeUnavailable, "crypto plugin restarting")
		}
		if !held {
			return sdk.Value{}, sdk.Errorf(sdk.CodeNotFound, "no key %q", handle)
		}
		k.keys[handle] = "active"
		k.commits++
		return args("key", sdk.String(handle), "state", sdk.String("active")), nil
	case effects.CryptoFrostDKGAbort:
		if st == "active" {
			return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "key %q is active", handle)
		}
		delete(k.keys, handle)
		return sdk.Null(), nil
	}
	return k.Host.Invoke(ctx, call)
}

// as serves a fresh instance acting for label over host.
func as(t *testing.T, host *keyHost, label string) *sdktest.Harness {
	t.Helper()
	hs := sdktest.New(t, New(), sdktest.WithHost(host), sdktest.WithAuthority(party(label)))
	if err := hs.Client.Start(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	return hs
}

// appendFact journals a fact of the invitation service's envelope.
func appendFact(t *testing.T, host *keyHost, predicate string, body sdk.Value) {
	t.Helper()
	a := party("alice")
	fact := args("type", sdk.String("invitation"), "authority", sdk.Bytes(a[:]), "time", sdk.Int(t0), "predicate", sdk.String(predicate), "body", body)
	if _, err := host.Host.Invoke(context.Background(), &sdk.Call{Op: effects.JournalAppendFact, Args: args("fact", fact)}); err != nil {
		t.Fatal(err)
	}
}

// invite journals an invitation.created from sender to receiver, signed by
// signer's device key.
func invite(t *testing.T, host *keyHost, id, kind, sender, receiver, signer string, expiresMS int64) {
	t.Helper()
	m := map[string]sdk.Value{"id": sdk.String(id), "kind": sdk.String(kind), "sender": sdk.String(auth(sender)),
		"receiver": sdk.String(auth(receiver)), "created_ms": sdk.Int(t0), "expires_ms": sdk.Int(expiresMS),
		"nonce": sdk.Bytes([]byte(id)), "sender_key": sdk.Bytes(key(signer).Public().(ed25519.PublicKey))}
	sig := ed25519.Sign(key(signer), effects.DeviceSigningMessage(effects.PurposeInvitation, sdk.Map(m).Canonical()))
	m["signature"] = sdk.Bytes(sig)
	appendFact(t, host, predicateInvitationCreated, sdk.Map(m))
}

// answer journals a terminal invitation fact by party by, signed by signer.
func answer(t *testing.T, host *keyHost, id, status, by, signer string, atMS int64) {
	t.Helper()
	pub := key(signer).Public().(ed25519.PublicKey)
	signed := args("id", sdk.String(id), "by", sdk.String(auth(by)), "at_ms", sdk.Int(atMS), "status", sdk.String(status), "key", sdk.Bytes(pub))
	sig := ed25519.Sign(key(signer), effects.DeviceSigningMessage(effects.PurposeInvitationAnswer, signed.Canonical()))
	appendFact(t, host, "invitation."+status, args("id", sdk.String(id), "by", sdk.String(auth(by)), "at_ms", sdk.Int(atMS),
		"key", sdk.Bytes(pub), "signature", sdk.Bytes(sig)))
}

// guardians journals alice's guardian invitations to each label, expiring
// at t0 + 1 h.
func guardians(t *testing.T, host *keyHost, labels ...string) []string {
	var ids []string
	for _, l := range labels {
		id := "invitation-" + l
		invite(t, host, id, kindGuardian, "alice", l, "alice", t0+3_600_000)
		ids = append(ids, id)
	}
	return ids
}

func propose(ids []string, threshold, ttl int64, rotation string) sdk.Value {
	a := args("invitations", plugintest.Strs(ids...), "threshold", sdk.Int(threshold), "ttl_ms", sdk.Int(ttl))
	if rotation != "" {
		a = args("invitations", plugintest.Strs(ids...), "threshold", sdk.Int(threshold), "ttl_ms", sdk.Int(ttl), "rotation", sdk.String(rotation))
	}
	return a
}

func TestConformance(t *testing.T) {
	t.Parallel()
	host := newKeyHost()
	ids := guardians(t, host, "bob")
	sdktest.Conformance(t, New(), sdktest.WithHost(host), sdktest.WithAuthority(party("alice")),
		sdktest.WithSample(effects.CeremonyPropose, propose(ids, 1, 1000, "")))
}

// TestFacadeContract: the facade's Ceremonies client calls these
// operations as the plugin declares them, and decodes its real results.
func TestFacadeContract(t *testing.T) {
	var specs []effects.OpSpec
	for _, op := range New().Operations {
		specs = append(specs, op.Spec)
	}
	if err := facade.CheckSpecs(specs); err != nil {
		t.Fatal(err)
	}
	host := newKeyHost()
	ids := guardians(t, host, "bob")
	hs := as(t, host, "alice")
	p := propose(ids, 1, 60_000, "key-1")
	c := plugintest.Must(t, hs, effects.CeremonyPropose, p)
	id := args("id", plugintest.Field(t, c, "id"))
	answer(t, host, ids[0], "accepted", "bob", "bob", t0+1)
	for _, call := range []*effects.Call{
		{Op: effects.CeremonyPropose, Args: p}, {Op: effects.CeremonyAdvance, Args: id}, {Op: effects.CeremonyGet, Args: id},
		{Op: effects.CeremonyList, Args: sdk.Null()},
	} {
		v := c
		if call.Op != effects.CeremonyPropose {
			v = plugintest.Must(t, hs, call.Op, call.Args)
		}
		if err := facade.CheckResult(call, v); err != nil {
			t.Errorf("%s: %v", call.Op, err)
		}
	}
}
