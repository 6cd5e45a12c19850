package scenario_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/sim/scenario"
	"github.com/aurahost/aura-host/plugins"
)

// BenchmarkInvariants is what checking invariants after every step costs
// a sweep, on and off in the same run: 20 seeds of the guardian recovery
// (examples/simulation: 10 % drop, a partition, every guardian approving).
// "off" has no invariants at all; "on" has the defaults (receipt_once,
// flow_budget), the example's threshold_grant block, and a threshold_grant
// and a liveness invariant from Go. Its other half, one simulation of 100
// agents, is host/sim's BenchmarkInvariants: run both with
//
//	go test -run '^$' -bench Invariants -benchtime 5x ./host/sim/ ./host/sim/scenario/
func BenchmarkInvariants(b *testing.B) {
	all := []sim.Invariant{sim.ThresholdGrant("recovery", "Account", "Approve", "Granted", 2), sim.Liveness(60_000)}
	path := filepath.Join(protocolsDir(), "..", "simulation", "deployment.hcl")
	dep, diags := config.Load(path, config.Options{Builtins: plugins.Names()})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name+"/sweep20", func(b *testing.B) {
			d := *dep
			if !on {
				d.Invariants = nil // the example's invariant block
			}
			sc, diags := scenario.Load(path, &d)
			if diags.HasErrors() {
				b.Fatal(diags)
			}
			rules, err := session.ParseRules([]string{"Guardian[*]=Approve"}, sc.Programs...)
			if err != nil {
				b.Fatal(err)
			}
			sc.Rules, sc.Builtins, sc.NoDefaultInvariants = rules, plugins.Lookup, !on
			if on {
				sc.Invariants = all
			}
			for range b.N {
				rep, err := sc.SweepSeeds(context.Background(), scenario.SeedRange{From: 1, To: 20}, 1, nil)
				if err != nil || rep.Failed > 0 {
					b.Fatalf("%v; %d failed: %+v", err, rep.Failed, rep.Failures)
				}
			}
		})
	}
}
