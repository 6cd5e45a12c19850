package scenario_test

import (
	"context"
	"testing"
	"time"
)

// BenchmarkShrinkPlanted measures the shrink of the planted fixture's
// first failing seed against its baseline, measured in the same run: one
// simulation of that seed. It reports the shrink's cost as a multiple of
// one simulation (x_one_simulation) and the simulations it ran
// (simulations/shrink); the first is close to the second, since a shrink
// is nothing but simulations of the same seed.
//
//	go test ./host/sim/scenario/ -run '^$' -bench ShrinkPlanted -benchtime 3x
func BenchmarkShrinkPlanted(b *testing.B) {
	sc := plantedScenario(b)
	seed := firstFailure(b, sc)
	ctx := context.Background()
	var simNs, shrinkNs time.Duration
	var sims int
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		out, err := sc.Simulate(ctx, seed)
		if err != nil {
			b.Fatal(err)
		}
		simNs += time.Since(start)
		start = time.Now()
		s, err := sc.Shrink(ctx, seed, out, 0, nil)
		if err != nil {
			b.Fatal(err)
		}
		shrinkNs += time.Since(start)
		sims = s.Simulations
	}
	b.ReportMetric(float64(shrinkNs)/float64(simNs), "x_one_simulation")
	b.ReportMetric(float64(sims), "simulations/shrink")
	b.ReportMetric(float64(shrinkNs.Milliseconds())/float64(b.N), "shrink_ms/op")
}
