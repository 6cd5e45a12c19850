package sim_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/plugins"
	"github.com/aurahost/aura-host/vm/policy"
)

// lockedPingPong is ping-pong whose client takes a guard around its ping.
const lockedPingPong = `
protocol "locked_ping_pong" {
  roles = ["Client", "Server"]

  acquire "Client" "outbox" {}
  send "Client" "Server" "Ping" {
    value = host()
    sort  = "bytes"
    bind  = "ping"
  }
  release "Client" "outbox" {}
  send "Server" "Client" "Pong" {
    value = "$ping"
    sort  = "bytes"
    bind  = "pong"
  }
}
`

// Acceptance 6: the same protocol, with no scheduler of its own, runs
// round-robin normally and priority-aging when the flow budget its
// client charges is at least 75 % spent, or when another session of the
// client's agent contends for the guard it acquires. The choice is the
// VM's rule over the signals the agent supplied at admission, and it is
// in each machine's trace header.
func TestSchedulerSignalsChangeThePolicy(t *testing.T) {
	dir := t.TempDir()
	proto := filepath.Join(dir, "locked_ping_pong.hcl")
	if err := os.WriteFile(proto, []byte(lockedPingPong), 0o600); err != nil {
		t.Fatal(err)
	}
	const seed = 11
	runCtx := effects.DeriveContextID("pp", seed)
	tests := []struct {
		name string
		// spent is how much of alice's budget (limit 100) towards bob in
		// the run's context is spent before the run; -1 leaves it unset.
		spent int
		// contend has another session of alice wait for the guard.
		contend bool
		// degraded fills alice's inbound queue, as her local health
		// observer hears it.
		degraded bool
		client   policy.Scheduler
	}{
		{name: "no pressure", spent: -1, client: policy.RoundRobin},
		{name: "half spent", spent: 50, client: policy.RoundRobin},
		{name: "74 % spent", spent: 74, client: policy.RoundRobin},
		{name: "75 % spent", spent: 75, client: policy.PriorityAging},
		{name: "90 % spent", spent: 90, client: policy.PriorityAging},
		{name: "guard contention", spent: -1, contend: true, client: policy.PriorityAging},
		{name: "degraded local health", spent: -1, degraded: true, client: policy.PriorityAging},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s, err := sim.New(ctx, sim.Config{Deployment: deployment(t, simBase+`
service "health" { builtin = "local_health_observer" }
run "pp" {
  protocol = "`+proto+`"
  roles    = { Client = "alice", Server = "bob" }
}
`), Seed: seed, Builtins: plugins.Lookup, Logger: quietLogger(t)})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close(ctx)
			alice, bob := s.Agent("alice"), s.Agent("bob")
			if tt.spent >= 0 {
				key := guard.BudgetKey{Context: runCtx, Peer: bob.AuthorityID()}
				budgets := alice.Router().FlowBudgets()
				if _, err := budgets.Set(ctx, key, 100); err != nil {
					t.Fatal(err)
				}
				if tt.spent > 0 {
					if _, err := budgets.Charge(ctx, key, uint64(tt.spent)); err != nil {
						t.Fatal(err)
					}
				}
			}
			if tt.contend {
				// Another session of alice's holds the guard, a third waits.
				g := alice.Router().SessionGuards()
				g.Acquired(host.GuardHolder{Session: effects.DeriveSessionID("other", 1), Role: "X"}, "outbox")
				g.Waiting(host.GuardHolder{Session: effects.DeriveSessionID("another", 1), Role: "Y"}, "outbox")
			}
			if tt.degraded {
				full := effects.Map(map[string]effects.Value{"fill_ppm": effects.Int(1_000_000)})
				if _, err := alice.Invoke(ctx, effects.LocalHealthObserveQueue, full); err != nil {
					t.Fatal(err)
				}
			}
			out, err := s.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			r := out.Runs[0]
			if r.Err != nil {
				t.Fatalf("run failed: %v", r.Err)
			}
			if got, _ := r.Scheduler("Client"); got != tt.client {
				t.Fatalf("client ran under %s, want %s", got, tt.client)
			}
			// Bob's budgets and guards are untouched: his machine keeps the default.
			if got, _ := r.Scheduler("Server"); got != policy.RoundRobin {
				t.Fatalf("server ran under %s, want %s", got, policy.RoundRobin)
			}
			if !strings.Contains(string(out.Bundle.Bytes()), string(tt.client)) {
				t.Fatalf("the trace bundle does not record %s", tt.client)
			}
		})
	}
}
