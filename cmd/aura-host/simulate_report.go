package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aurahost/aura-host/host/sim/scenario"
	"github.com/aurahost/aura-host/internal/progress"
)

// sweep simulates every seed of r, f.parallel at a time (scenario.Scenario.SweepSeeds), and
// reports in seed order: each failing seed with the command that
// reproduces it alone, a progress line on a terminal, the summary last.
func sweep(ctx context.Context, w io.Writer, sc *scenario.Scenario, r scenario.SeedRange, f *simulateFlags) error {
	if !f.asJSON {
		sc.WriteSweepStart(w, r, f.parallel)
	}
	bar := progress.New(stderr, f.progress.config(progress.Config{Label: "simulate", Unit: "seeds", Total: r.Count(), Failed: "failed"}, stderr))
	w = bar.Wrap(w) // a failing seed is printed on a clean line
	stop := bar.Start(ctx, nil)
	rep, err := sc.SweepSeeds(ctx, r, f.parallel, func(o *scenario.Report, rep *scenario.SweepReport) {
		if o.Status != "ok" {
			o.Reproduce = scenario.ReproduceCommand(sc.File, o.Seed, f.decide, f.granularity)
			if !f.asJSON {
				o.WriteFailing(w)
			}
		}
		bar.Update(progress.Counts{Done: rep.Simulated, Failed: rep.Failed})
	})
	stop()
	bar.Finish()
	var se *scenario.SeedError
	if errors.As(err, &se) {
		return hostError(sc, se.Seed, se.Err)
	}
	interrupted := rep.Interrupted()
	if rep.Failed > 0 && !interrupted && !f.noShrink {
		if err := shrinkFirstFailure(ctx, sc, rep, f); err != nil {
			return err
		}
	}
	if err := writeAs(w, f.asJSON, rep, func(w io.Writer) {
		rep.WriteSummary(w)
		if rep.Shrunk != nil {
			rep.Shrunk.WriteText(w)
		}
	}); err != nil {
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
