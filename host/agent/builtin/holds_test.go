package builtin_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/host/holds"
	"github.com/aurahost/aura-host/host/lifecycle"
	"github.com/aurahost/aura-host/plugins"
	"github.com/aurahost/aura-host/plugins/simnetwork"
	"github.com/aurahost/aura-host/sdk"
)

const holdsAgentsDeployment = `
deployment "holds" { seed = 3 }
plugin "crypto"  { builtin = "crypto" }
plugin "journal" { builtin = "journal" }
plugin "clock"   { builtin = "clock" }
plugin "storage" { builtin = "storage" }
plugin "network" { builtin = "transport" }
agent "alice"   { allow = ["network.send_envelope"] }
agent "bob"     { allow = ["network.send_envelope"] }
agent "mallory" { allow = ["network.send_envelope"] }
service "holds" {
  builtin = "holds"
  config {
    peers    = ["alice", "bob", "mallory"]
    holders  = 2
  }
}
`

// holdAgents builds the three agents in testing mode on one simulated
// network, each knowing the others' device keys.
func holdAgents(t *testing.T, src string) map[string]*agent.Agent {
	t.Helper()
	dep := deployment(t, src)
	network, err := sdk.NewLocal(simnetwork.New(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if diags := network.Configure(context.Background(), sdk.ConfigureRequest{Mode: effects.Testing, Seed: 3}, nil); len(diags) > 0 {
		t.Fatalf("configure network: %+v", diags)
	}
	var mu sync.Mutex
	keys := map[effects.AuthorityID]ed25519.PublicKey{}
	lookup := func(id effects.AuthorityID) (ed25519.PublicKey, bool) {
		mu.Lock()
		defer mu.Unlock()
		k, ok := keys[id]
		return k, ok
	}
	out := map[string]*agent.Agent{}
	for _, name := range []string{"alice", "bob", "mallory"} {
		id, err := agent.Authority(dep, dep.Agents[len(out)])
		if err != nil {
			t.Fatal(err)
		}
		a, err := agent.NewBuilder().WithConfig(dep).WithAuthority(id).WithBuiltins(plugins.Lookup, true).
			WithShared(map[string]*sdk.Local{"network": network}).WithPeerKeys(lookup).WithLogger(quietLogger(t)).
			BuildTesting(context.Background())
		if err != nil {
			t.Fatalf("build %s: %v", name, err)
		}
		t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
		mu.Lock()
		keys[a.AuthorityID()] = a.PublicKey()
		mu.Unlock()
		out[name] = a
	}
	return out
}

// The holds block builds a service that status lists, healthy, which
// serves hold.* through the router and takes its peers from the
// deployment's agents; Shutdown stops it.
func TestHoldsServiceRunsUnderTheAgent(t *testing.T) {
	agents := holdAgents(t, holdsAgentsDeployment)
	alice := agents["alice"]
	var st *lifecycle.Status
	for _, s := range alice.Services() {
		if s.Name == "holds" {
			st = &s
		}
	}
	if st == nil || st.Health.State != lifecycle.Healthy {
		t.Fatalf("status %+v, want the holds service healthy", alice.Services())
	}
	svc := alice.HoldService()
	if svc == nil {
		t.Fatal("no hold service")
	}
	cfg := svc.Config()
	if len(cfg.Peers) != 2 || cfg.Holders != 2 {
		t.Fatalf("peers %v, holders %d: want bob and mallory, 2", cfg.Peers, cfg.Holders)
	}
	d, err := alice.Holds().Deposit(context.Background(), agents["bob"].AuthorityID().String(), []byte("for bob"))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Holders) != 1 || d.Holders[0] != agents["mallory"].AuthorityID().String() || d.State != "pending" {
		t.Fatalf("deposit %+v: want mallory as its one holder (never the recipient), pending", d)
	}
	if err := alice.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, s := range alice.Services() {
		if s.Name == "holds" && s.Health.State != lifecycle.Stopped {
			t.Fatalf("after Shutdown: %s", s.Health)
		}
	}
}

// An agent cannot speak for another in the hold context: an envelope
// naming another source is refused by its own router before any send, so
// a holder's view of who asks (the envelope's source) is never a claim.
func TestAttackHoldEnvelopeInAnotherName(t *testing.T) {
	agents := holdAgents(t, holdsAgentsDeployment)
	bob, mallory := agents["bob"], agents["mallory"]
	env := guard.Envelope{Source: bob.AuthorityID(), Destination: agents["alice"].AuthorityID(), Context: holds.Context, Payload: []byte("hello")}
	_, err := mallory.Invoke(context.Background(), effects.NetworkSendEnvelope, effects.Map(map[string]effects.Value{"envelope": env.Value()}))
	if !errors.Is(err, effects.ErrDenied) {
		t.Fatalf("mallory sending as bob: %v, want denied", err)
	}
}

// Config values the service cannot use are errors naming them.
func TestHoldsConfigMistakes(t *testing.T) {
	for _, tc := range []struct{ config, want string }{
		{`holders = 0`, "holders = 0: must be positive"},
		{`capability_ttl_ms = -1`, "capability_ttl_ms = -1: must be positive"},
		{`peers = ["nobody"]` + "\n", `"nobody" is neither an agent or peer of the deployment nor an authority id`},
	} {
		src := holdsAgentsDeployment
		if strings.HasPrefix(tc.config, "peers") {
			src = strings.Replace(src, `peers    = ["alice", "bob", "mallory"]`, tc.config, 1)
		} else {
			src = strings.Replace(src, "holders  = 2", tc.config, 1)
		}
		_, err := agent.NewBuilder().WithConfig(deployment(t, src)).WithAuthorityLabel("alice").
			WithBuiltins(plugins.Lookup, true).WithLogger(quietLogger(t)).BuildTesting(context.Background())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.config, err, tc.want)
		}
	}
}
