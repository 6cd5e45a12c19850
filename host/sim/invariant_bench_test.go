package sim_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/plugins"
)

// BenchmarkInvariants is what checking invariants after every step costs,
// on and off in the same run: one simulation of 100 agents running 50
// ping-pong sessions. "off" has no invariants at all; "on" has the
// defaults (receipt_once, flow_budget) and a liveness invariant from Go.
// Its other half, a sweep of 20 seeds, is host/sim/scenario's
// BenchmarkInvariants: run both with
//
//	go test -run '^$' -bench Invariants -benchtime 5x ./host/sim/ ./host/sim/scenario/
func BenchmarkInvariants(b *testing.B) {
	hundred := deploymentB(b, strings.ReplaceAll(hundredAgents(), "PROTOCOLS", protocolsDir()))
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
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
