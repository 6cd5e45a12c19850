package builtin_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/lifecycle"
	"github.com/aurahost/aura-host/plugins"
)

const socialDeployment = `
deployment "social" {
  seed = 7
}
agent "alice" { allow = ["*"] }
agent "bob"   { allow = ["*"] }
agent "carol" { allow = ["*"] }
plugin "crypto"  { builtin = "crypto" }
plugin "journal" { builtin = "journal" }
plugin "clock"   { builtin = "clock" }
plugin "random"  { builtin = "random" }
plugin "invitation" {
  builtin    = "invitation"
  depends_on = ["journal", "clock", "random", "crypto"]
}
service "invitation" {}
service "social_manager" { builtin = "social_manager" }
service "selection" {
  builtin = "selection"
  config { privacy = true }
}
`

// TestSocialTopologyAndSelectionThroughAgents: alice's guardians and
// contacts, accepted through signed invitation codes, become her
// neighbourhood (the social manager re-reads the journal after each
// write it observes on her router); privacy paths need relays from two
// homes, refused with the reason until she has them.
func TestSocialTopologyAndSelectionThroughAgents(t *testing.T) {
	dep := deployment(t, socialDeployment)
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
	for _, label := range []string{"alice", "bob", "carol"} {
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
	alice, bob, carol := agents["alice"], agents["bob"], agents["carol"]
	for _, s := range alice.Services() {
		if s.Health.State != lifecycle.Healthy {
			t.Fatalf("%s: %v", s.Name, s.Health)
		}
	}
	relate := func(kind facade.InvitationKind, to *agent.Agent) {
		t.Helper()
		inv, err := alice.Invitations().Invite(ctx, facade.InviteRequest{Kind: kind, Receiver: to.AuthorityID().String(), TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		code, err := alice.Invitations().Export(ctx, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := to.Invitations().Import(ctx, code); err != nil {
			t.Fatal(err)
		}
		if _, err := to.Invitations().Accept(ctx, inv.ID); err != nil {
			t.Fatal(err)
		}
		answer, err := to.Invitations().ExportAnswer(ctx, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := alice.Invitations().ImportAnswer(ctx, answer); err != nil {
			t.Fatal(err)
		}
	}
	dest := effects.DeriveAuthorityID("dave", 7).String()
	if n, err := alice.Social().Neighbourhood(ctx); err != nil || len(n.Peers) != 0 {
		t.Fatalf("before any invitation: %+v %v", n, err)
	}
	relate(facade.InviteGuardian, bob)
	n, err := alice.Social().Neighbourhood(ctx)
	if err != nil || len(n.Peers) != 1 || n.Peers[0].Authority != bob.AuthorityID().String() || n.Peers[0].Relations[0] != "guardian" {
		t.Fatalf("after bob accepted: %+v %v, want bob as a guardian", n, err)
	}
	_, err = alice.Selection().Profile(ctx, dest, false)
	if !errors.Is(err, effects.ErrUnavailable) || !strings.Contains(err.Error(), "at least 2 distinct homes and only 1") {
		t.Fatalf("a privacy path with one relay: %v, want unavailable saying why", err)
	}
	relate(facade.InviteContact, carol)
	relays, err := alice.Social().SelectRelays(ctx, 2)
	if err != nil || len(relays) != 2 || relays[0].Authority != bob.AuthorityID().String() {
		t.Fatalf("relays %+v %v, want bob (guardian) then carol", relays, err)
	}
	p, err := alice.Selection().Profile(ctx, dest, false)
	if err != nil || p.Mode != "private" || len(p.Path) != 2 || p.Path[0].Home == p.Path[1].Home {
		t.Fatalf("profile %+v %v, want a private path through two homes", p, err)
	}
	// Bob sees alice too (his journal holds the invitation and his answer).
	if n, err := bob.Social().Neighbourhood(ctx); err != nil || len(n.Peers) != 1 || n.Peers[0].Authority != alice.AuthorityID().String() {
		t.Fatalf("bob's neighbourhood %+v %v", n, err)
	}
	if on, err := alice.Selection().SetPrivacy(ctx, false); err != nil || on {
		t.Fatal(on, err)
	}
	if p, err := alice.Selection().Profile(ctx, dest, false); err != nil || p.Mode != "passthrough" || len(p.Path) != 0 {
		t.Fatalf("privacy off: %+v %v", p, err)
	}
}
