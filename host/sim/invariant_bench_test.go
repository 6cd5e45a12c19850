package sim_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/plugins"
)

// BenchmarkInvariants is what checking invariants after every step costs,
// on and off in the same run: a sweep of 20 seeds of the guardian recovery
// (examples/simulation: 10 % drop, a partition, every guardian approving)
// and one simulation of 100 agents running 50 ping-pong sessions. "off"
// has no invariants at all; "on" has the defaults (receipt_once,
// flow_budget), the example's threshold_grant block, and a threshold_grant
// and a liveness invariant from Go.
//
//	go test -run '^$' -bench Invariants -benchtime 5x ./host/sim/
func BenchmarkInvariants(b *testing.B) {
	all := []sim.Invariant{sim.ThresholdGrant("recovery", "Account", "Approve", "Granted", 2), sim.Liveness(60_000)}
	path := filepath.Join(protocolsDir(), "..", "simulation", "deployment.hcl")
	dep, diags := config.Load(path, config.Options{Builtins: plugins.Names()})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	hundred := deploymentB(b, strings.ReplaceAll(hundredAgents(), "PROTOCOLS", protocolsDir()))
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
			sc, diags := sim.LoadScenario(path, &d)
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
				rep, err := sc.SweepSeeds(context.Background(), sim.SeedRange{From: 1, To: 20}, 1, nil)
				if err != nil || rep.Failed > 0 {
					b.Fatalf("%v; %d failed: %+v", err, rep.Failed, rep.Failures)
				}
			}
		})
		b.Run(name+"/100agents", func(b *testing.B) {
			var run time.Duration
			for range b.N {
				cfg := sim.Config{Deployment: hundred, Seed: 1, Builtins: plugins.Lookup, NoDefaultInvariants: !on}
				if on {
					cfg.Invariants = []sim.Invariant{sim.Liveness(60_000)}
				}
				s, err := sim.New(context.Background(), cfg)
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				out, err := s.Run(context.Background())
				run += time.Since(start)
				if err != nil || out.Failed() {
					b.Fatalf("%v %v", err, out.Violation)
				}
				s.Close(context.Background())
			}
			b.ReportMetric(float64(run.Microseconds())/1000/float64(b.N), "run-ms")
		})
	}
}
