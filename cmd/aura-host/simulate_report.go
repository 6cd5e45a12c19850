package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aurahost/aura-host/host/sim"
)

// sweep simulates every seed of r, f.parallel at a time (sim.Scenario.SweepSeeds), and
// reports in seed order: each failing seed with the command that
// reproduces it alone, progress on stderr, the summary last.
func sweep(ctx context.Context, w io.Writer, sc *sim.Scenario, r sim.SeedRange, f *simulateFlags) error {
	if !f.asJSON {
		sc.WriteSweepStart(w, r, f.parallel)
	}
	progress := sim.NewProgress(stderr, r.Count())
	rep, err := sc.SweepSeeds(ctx, r, f.parallel, func(o *sim.Report, rep *sim.SweepReport) {
		if o.Status != "ok" {
			o.Reproduce = sim.ReproduceCommand(sc.File, o.Seed, f.decide, f.granularity)
			if !f.asJSON {
				o.WriteFailing(w)
			}
		}
		progress.Seed(rep)
	})
	var se *sim.SeedError
	if errors.As(err, &se) {
		return hostError(sc, se.Seed, se.Err)
	}
	interrupted := rep.Interrupted()
	if err := writeAs(w, f.asJSON, rep, rep.WriteSummary); err != nil {
		return err
	}
	if interrupted {
		fmt.Fprintf(stderr, "simulate: interrupted after %d of %d seeds\n", rep.Simulated, r.Count())
		return &exitError{code: 1}
	}
	if rep.Failed > 0 {
		return &exitError{code: 1}
	}
	return nil
}
