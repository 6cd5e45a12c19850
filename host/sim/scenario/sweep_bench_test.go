package scenario_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/sim/scenario"
	"github.com/aurahost/aura-host/plugins"
)

// BenchmarkExampleSweep reports the seeds per second of the example's
// swarm sweep (examples/simulation: its faults, its swarm block, its
// two_approvals invariant), one worker and two, with the invariants on
// (the example's block and the defaults) and off (none at all), all in
// the same run, so that the ratios hold whatever else the machine does.
// Each iteration sweeps seeds 1..50.
//
//	go test -run '^$' -bench ExampleSweep -benchtime 2x ./host/sim/scenario/
func BenchmarkExampleSweep(b *testing.B) {
	path := filepath.Join(protocolsDir(), "..", "simulation", "deployment.hcl")
	dep, diags := config.Load(path, config.Options{Builtins: plugins.Names()})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	const seeds = 50
	for _, workers := range []int{1, 2} {
		for _, on := range []bool{true, false} {
			name := fmt.Sprintf("workers=%d/invariants=off", workers)
			if on {
				name = fmt.Sprintf("workers=%d/invariants=on", workers)
			}
			b.Run(name, func(b *testing.B) {
				d := *dep
				if !on {
					d.Invariants = nil
				}
				sc, diags := scenario.Load(path, &d)
				if diags.HasErrors() {
					b.Fatal(diags)
				}
				sc.Builtins, sc.NoDefaultInvariants = plugins.Lookup, !on
				var spent time.Duration
				for range b.N {
					start := time.Now()
					rep, err := sc.SweepSeeds(context.Background(), scenario.SeedRange{From: 1, To: seeds}, workers, nil)
					spent += time.Since(start)
					if err != nil || rep.Failed > 0 {
						b.Fatalf("%v; %d failed", err, rep.Failed)
					}
				}
				b.ReportMetric(float64(seeds*b.N)/spent.Seconds(), "seeds/s")
			})
		}
	}
}
