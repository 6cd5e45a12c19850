package metrics_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/host/internal/hosttest"
	"github.com/aurahost/aura-host/host/metrics"
	"github.com/aurahost/aura-host/plugins"
)

const budgeted = `
deployment "budgeted" {
  mode = "testing"
  seed = 7
}
telemetry {
  prometheus = "127.0.0.1:9464"
}
agent "alice" {
  allow = ["network.send_envelope"]
  flow_budget { limit = 5 }
}
agent "bob" {
  allow = ["*"]
}
plugin "journal" { builtin = "journal" }
plugin "clock"   { builtin = "clock" }
plugin "random"  { builtin = "random" }
plugin "storage" { builtin = "storage" }
plugin "network" { builtin = "sim-network" }
`

// TestFlowBudgetHeadroomAndExhaustedSends: two sends spend 4 of alice's
// budget of 5 towards bob, so its headroom reads 0.2 over one watched
// budget; the third send is refused by the flow-budget guard, counted as
// a denial and as an exhausted error. Bob, who sent nothing, keeps full
// headroom.
func TestFlowBudgetHeadroomAndExhaustedSends(t *testing.T) {
	dep := hosttest.Deployment(t, budgeted)
	dep.Telemetry.Prometheus = "127.0.0.1:0"
	ctx := context.Background()
	s, err := agent.Serve(ctx, dep, host.Config{Builtins: plugins.Lookup, InProcess: true, Logger: hosttest.QuietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	alice, err := s.Group.Agent("alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := s.Group.Agent("bob")
	if err != nil {
		t.Fatal(err)
	}
	env := effects.Map(map[string]effects.Value{"envelope": guard.Envelope{Source: alice.AuthorityID(), Destination: bob.AuthorityID(),
		Context: effects.DeriveContextID("alice-bob", 7), Payload: []byte("x")}.Value()})
	for i := range 2 { // a 1-byte payload costs 2
		if _, err := alice.Invoke(ctx, effects.NetworkSendEnvelope, env); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if _, err := alice.Invoke(ctx, effects.NetworkSendEnvelope, env); !errors.Is(err, effects.ErrExhausted) {
		t.Fatalf("third send: %v, want exhausted", err)
	}
	_, fams := scrape(t, s)
	got := value(sample(t, fams, metrics.FlowBudgetHeadroom, map[string]string{"agent": "alice"}))
	if got < 0.1999 || got > 0.2001 {
		t.Errorf("alice's headroom %v, want 0.2 (4 of 5 spent)", got)
	}
	wantValue(t, fams, metrics.FlowBudgetsWatched, map[string]string{"agent": "alice"}, 1)
	wantValue(t, fams, metrics.FlowBudgetHeadroom, map[string]string{"agent": "bob"}, 1)
	wantValue(t, fams, metrics.GuardDenials, map[string]string{"agent": "alice", "guard": "flow_budget"}, 1)
	wantValue(t, fams, metrics.CallErrors, map[string]string{"agent": "alice", "plugin": "network", "op": string(effects.NetworkSendEnvelope), "code": "exhausted"}, 1)
	wantValue(t, fams, metrics.Calls, map[string]string{"agent": "alice", "plugin": "network", "op": string(effects.NetworkSendEnvelope)}, 3)
}
