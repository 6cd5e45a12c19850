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

// TestGuardianCeremonyThroughAgents: alice invites bob, carol and dave as
// guardians, proposes a 2-of-3 ceremony; the guardians' signed answers
// travel back as codes; the ceremony completes at the second acceptance.
// An answer forged by dave's neighbour would not count (the plugin's
// tests cover the forgeries); here the guardians' own devices sign.
func TestGuardianCeremonyThroughAgents(t *testing.T) {
	dep := deployment(t, `
deployment "ceremony" {
  seed = 3
}
agent "alice" { allow = ["*"] }
agent "bob"   { allow = ["*"] }
agent "carol" { allow = ["*"] }
agent "dave"  { allow = ["*"] }
plugin "crypto"  { builtin = "crypto" }
plugin "journal" { builtin = "journal" }
plugin "clock"   { builtin = "clock" }
plugin "random"  { builtin = "random" }
plugin "invitation" {
  builtin    = "invitation"
  depends_on = ["journal", "clock", "random", "crypto"]
}
plugin "ceremony" {
  builtin    = "ceremony"
  depends_on = ["journal", "clock", "random", "crypto"]
}
service "invitation" {}
service "ceremony" {}
`)
	var mu sync.Mutex
	keys := map[effects.AuthorityID]ed25519.PublicKey{}
	lookup := func(id effects.AuthorityID) (ed25519.PublicKey, bool) {
		mu.Lock()
		defer mu.Unlock()
		k, ok := keys[id]
		return k, ok
	}
	ctx := context.Background()
	agents := map[string]*agent.Agent{}
	for _, label := range []string{"alice", "bob", "carol", "dave"} {
		a, err := agent.NewBuilder().WithConfig(dep).WithAuthorityLabel(label).WithBuiltins(plugins.Lookup, true).
			WithPeerKeys(lookup).WithLogger(quietLogger(t)).BuildTesting(ctx)
		if err != nil {
			t.Fatalf("build %s: %v", label, err)
		}
		t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
		mu.Lock()
		keys[a.AuthorityID()] = a.PublicKey()
		mu.Unlock()
		agents[label] = a
	}
	alice := agents["alice"]
	var ids []string
	for _, g := range []string{"bob", "carol", "dave"} {
		inv, err := alice.Invitations().Invite(ctx, facade.InviteRequest{Kind: facade.InviteGuardian, Receiver: agents[g].AuthorityID().String(), TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, inv.ID)
	}
	c, err := alice.Ceremonies().Propose(ctx, facade.CeremonyRequest{Invitations: ids, Threshold: 2, TTL: 30 * time.Minute})
	if err != nil || c.State != facade.CeremonyProposed {
		t.Fatalf("propose: %+v %v", c, err)
	}
	accept := func(g string, id string) {
		t.Helper()
		code, err := alice.Invitations().Export(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := agents[g].Invitations().Import(ctx, code); err != nil {
			t.Fatal(err)
		}
		if _, err := agents[g].Invitations().Accept(ctx, id); err != nil {
			t.Fatal(err)
		}
		ans, err := agents[g].Invitations().ExportAnswer(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := alice.Invitations().ImportAnswer(ctx, ans); err != nil {
			t.Fatal(err)
		}
	}
	accept("bob", ids[0])
	if c, err = alice.Ceremonies().Advance(ctx, c.ID); err != nil || c.State != facade.CeremonyCollecting || len(c.Accepted) != 1 {
		t.Fatalf("after bob: %+v %v", c, err)
	}
	accept("dave", ids[2])
	if c, err = alice.Ceremonies().Advance(ctx, c.ID); err != nil || c.State != facade.CeremonyCompleted || len(c.Accepted) != 2 {
		t.Fatalf("after dave: %+v %v", c, err)
	}
	if _, err := alice.Ceremonies().Cancel(ctx, c.ID); !errors.Is(err, effects.ErrConflict) {
		t.Fatalf("cancelling a completed ceremony: %v, want conflict", err)
	}
	// Bob's agent has no such ceremony: ceremonies are the account's.
	if _, err := agents["bob"].Ceremonies().Get(ctx, c.ID); !errors.Is(err, effects.ErrNotFound) {
		t.Fatalf("bob reads alice's ceremony: %v, want not_found", err)
	}
}

// A key rotation's fate and the agent's privacy mode take capabilities of
// their own: an agent whose allow list does not grant ceremony.* cannot
// cancel (roll back) a ceremony, nor propose or advance one, and one
// without selection.set_privacy cannot turn privacy mode off — whoever
// calls its router (a plugin's host callback, an admin invoke).
func TestAttackCeremonyAndPrivacyNeedCapabilities(t *testing.T) {
	dep := deployment(t, `
deployment "guarded" {}
agent "alice" { allow = ["invitation.*"] }
plugin "crypto"  { builtin = "crypto" }
plugin "journal" { builtin = "journal" }
plugin "clock"   { builtin = "clock" }
plugin "random"  { builtin = "random" }
plugin "ceremony" {
  builtin    = "ceremony"
  depends_on = ["journal", "clock", "random", "crypto"]
}
service "ceremony" {}
service "social_manager" { builtin = "social_manager" }
service "selection" {
  builtin    = "selection"
  depends_on = ["social_manager"]
}
`)
	ctx := context.Background()
	a, err := agent.NewBuilder().WithConfig(dep).WithAuthorityLabel("alice").WithBuiltins(plugins.Lookup, true).
		WithLogger(quietLogger(t)).BuildTesting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(ctx)
	for _, c := range []struct {
		op   effects.OpID
		args map[string]effects.Value
	}{
		{effects.CeremonyCancel, map[string]effects.Value{"id": effects.String("ceremony-00")}},
		{effects.CeremonyList, nil},
		{effects.SelectionSetPrivacy, map[string]effects.Value{"on": effects.Bool(false)}},
	} {
		_, err := a.Invoke(ctx, c.op, effects.Map(c.args))
		var ee *effects.Error
		if !errors.As(err, &ee) || ee.Code != effects.CodeDenied {
			t.Errorf("%s without its capability: %v, want denied", c.op, err)
		}
	}
}
