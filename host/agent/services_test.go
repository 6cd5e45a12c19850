package agent_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/plugins"
)

const servicesDeployment = `
deployment "services" {
  seed = 7
}
agent "alice"   { allow = ["*"] }
agent "bob"     { allow = ["*"] }
agent "mallory" { allow = ["*"] }
plugin "crypto"  { builtin = "crypto" }
plugin "journal" { builtin = "journal" }
plugin "clock"   { builtin = "clock" }
plugin "random"  { builtin = "random" }
plugin "storage" { builtin = "storage" }
plugin "invitation" {
  builtin    = "invitation"
  depends_on = ["journal", "clock", "random", "crypto"]
}
plugin "auth" {
  builtin    = "auth"
  depends_on = ["journal", "clock", "random", "crypto"]
}
service "invitation" {}
service "auth" {}
`

// serviceAgents builds alice, bob and mallory in testing mode, each
// knowing the others' device keys as peer keys.
func serviceAgents(t *testing.T) map[string]*agent.Agent {
	t.Helper()
	dep := deployment(t, servicesDeployment)
	var mu sync.Mutex
	keys := map[effects.AuthorityID]ed25519.PublicKey{}
	lookup := func(id effects.AuthorityID) (ed25519.PublicKey, bool) {
		mu.Lock()
		defer mu.Unlock()
		k, ok := keys[id]
		return k, ok
	}
	out := map[string]*agent.Agent{}
	for _, label := range []string{"alice", "bob", "mallory"} {
		a, err := agent.NewBuilder().WithConfig(dep).WithAuthorityLabel(label).WithBuiltins(plugins.Lookup, true).
			WithPeerKeys(lookup).WithLogger(quietLogger(t)).BuildTesting(context.Background())
		if err != nil {
			t.Fatalf("build %s: %v", label, err)
		}
		t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
		mu.Lock()
		keys[a.AuthorityID()] = a.PublicKey()
		mu.Unlock()
		out[label] = a
	}
	return out
}

func serviceFacts(t *testing.T, a *agent.Agent, predicates ...string) int {
	t.Helper()
	n := 0
	for _, p := range predicates {
		v, err := a.Invoke(context.Background(), effects.JournalFactsByPredicate, effects.Map(map[string]effects.Value{"predicate": effects.String(p)}))
		if err != nil {
			t.Fatal(err)
		}
		n += v.Len()
	}
	return n
}

// The device family is the agent's: device.sign signs the purpose-prefixed
// message with the agent's key, device.public_key answers its own key and
// its peers', and nothing else.
func TestDeviceOperations(t *testing.T) {
	agents := serviceAgents(t)
	alice, bob := agents["alice"], agents["bob"]
	ctx := context.Background()
	dev := alice.Effects().Device
	sig, err := dev.Sign(ctx, "test", []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(alice.PublicKey(), effects.DeviceSigningMessage("test", []byte("hello")), sig) {
		t.Fatal("device.sign's signature does not verify under the agent's key over the purpose-prefixed message")
	}
	if ed25519.Verify(alice.PublicKey(), []byte("hello"), sig) {
		t.Fatal("device.sign signed the bare message: no domain separation")
	}
	if _, err := dev.Sign(ctx, "", []byte("x")); !errors.Is(err, effects.ErrInvalidArgs) {
		t.Fatalf("sign without a purpose: %v, want invalid_args", err)
	}
	if k, err := dev.PublicKey(ctx, ""); err != nil || !ed25519.PublicKey(k).Equal(alice.PublicKey()) {
		t.Fatalf("own key = %x, %v", k, err)
	}
	if k, err := dev.PublicKey(ctx, bob.AuthorityID().String()); err != nil || !ed25519.PublicKey(k).Equal(bob.PublicKey()) {
		t.Fatalf("bob's key = %x, %v", k, err)
	}
	if _, err := dev.PublicKey(ctx, effects.DeriveAuthorityID("stranger", 7).String()); !errors.Is(err, effects.ErrNotFound) {
		t.Fatalf("a stranger's key: %v, want not_found", err)
	}
}

// TestAttackServicesTrustWhatTheCallerSays re-runs issue 11's attack #4
// through agents (Router, guard chain, plugins): a re-encoded invitation
// code, acceptance as someone else, and auth with a foreign key. Each is
// refused with a typed error and journals no service fact.
func TestAttackServicesTrustWhatTheCallerSays(t *testing.T) {
	agents := serviceAgents(t)
	alice, bob, mallory := agents["alice"], agents["bob"], agents["mallory"]
	ctx := context.Background()
	inv, err := alice.Invitations().Invite(ctx, facade.InviteRequest{Kind: facade.InviteGuardian, Receiver: bob.AuthorityID().String(), TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	code, err := alice.Invitations().Export(ctx, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	invitationFacts := []string{"invitation.created", "invitation.accepted", "invitation.declined", "invitation.cancelled"}

	// A genuine code for bob, imported by mallory: denied.
	before := serviceFacts(t, mallory, invitationFacts...)
	malloryJournal := journalSize(t, mallory)
	if _, err := mallory.Invitations().Import(ctx, code); !errors.Is(err, effects.ErrDenied) {
		t.Fatalf("mallory imported bob's invitation: %v", err)
	}
	// The code with one character changed and a recomputed checksum is
	// covered by the plugin's tests; here, bob accepts, then mallory tries
	// to accept on bob's behalf: the `as` argument is gone.
	if _, err := bob.Invitations().Import(ctx, code); err != nil {
		t.Fatal(err)
	}
	if _, err := mallory.Invoke(ctx, effects.InvitationAccept, effects.Map(map[string]effects.Value{
		"id": effects.String(inv.ID), "as": effects.String(bob.AuthorityID().String())})); !errors.Is(err, effects.ErrInvalidArgs) {
		t.Fatalf("accept with as=: %v, want invalid_args", err)
	}
	if after := serviceFacts(t, mallory, invitationFacts...); after != before {
		t.Fatalf("refused attempts journaled %d invitation facts", after-before)
	}
	// Nor a fact of the guard chain's: its journal coupling commits only
	// once the handler has succeeded.
	if after := journalSize(t, mallory); after != malloryJournal {
		t.Fatalf("refused attempts left %d facts in mallory's journal", after-malloryJournal)
	}
	if got, err := bob.Invitations().Accept(ctx, inv.ID); err != nil || got.SettledBy != bob.AuthorityID().String() {
		t.Fatalf("bob accepts: %+v, %v", got, err)
	}

	// auth.verify with a freshly generated key: unknown_device.
	ch, err := alice.Auth().CreateChallenge(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(nil)
	authFacts := []string{"auth.authenticated", "auth.rejected", "auth.device_enrolled"}
	before = serviceFacts(t, alice, authFacts...)
	aliceJournal := journalSize(t, alice)
	_, err = alice.Auth().Verify(ctx, facade.AuthResponse{ChallengeID: ch.ID, PublicKey: pub,
		Signature: ed25519.Sign(priv, effects.DeviceSigningMessage(effects.PurposeAuthChallenge, ch.Nonce))})
	if !errors.Is(err, effects.ErrUnknownDevice) {
		t.Fatalf("verify with a foreign key: %v, want unknown_device", err)
	}
	if after := serviceFacts(t, alice, authFacts...); after != before {
		t.Fatalf("a refused verify journaled %d auth facts", after-before)
	}
	if after := journalSize(t, alice); after != aliceJournal {
		t.Fatalf("a refused verify left %d facts in alice's journal", after-aliceJournal)
	}
	// The agent's own device, through device.sign, authenticates.
	sig, err := alice.Effects().Device.Sign(ctx, effects.PurposeAuthChallenge, ch.Nonce)
	if err != nil {
		t.Fatal(err)
	}
	res, err := alice.Auth().Verify(ctx, facade.AuthResponse{ChallengeID: ch.ID, PublicKey: alice.PublicKey(), Signature: sig})
	if err != nil || !res.Authenticated {
		t.Fatalf("the agent's own device: %+v, %v", res, err)
	}
}
