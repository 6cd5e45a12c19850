package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aurahost/aura-host/host/sim/scenario"
	"github.com/aurahost/aura-host/host/sim/swarm"
	"github.com/aurahost/aura-host/internal/atomicfile"
	"github.com/aurahost/aura-host/internal/progress"
)

// shrinkFirstFailure shrinks the schedule of the sweep's first failing
// seed (scenario.Scenario.Shrink), with a progress line on a terminal, writes
// the shrunk schedule as a fault file and sets rep.Shrunk, with the
// command that replays it. Interrupted, it says so and leaves rep as it
// was: the sweep's own report still stands.
func shrinkFirstFailure(ctx context.Context, sc *scenario.Scenario, rep *scenario.SweepReport, f *simulateFlags) error {
	seed := rep.Failures[0].Seed
	out, err := sc.Simulate(ctx, seed)
	if err != nil {
		return hostError(sc, seed, err)
	}
	if len(sc.Deployment.Faults)+len(out.Drawn) == 0 {
		failure, _ := scenario.FailureOf(out)
		rep.Shrunk = &scenario.ShrinkReport{Seed: seed, Failure: failure, BundleHash: out.Bundle.Hash()} // nothing to shrink
		return nil
	}
	bar := progress.New(stderr, f.progress.config(progress.Config{Label: fmt.Sprintf("shrink seed %d", seed),
		Unit: "simulations", Total: uint64(f.shrinkBudget)}, stderr))
	stop := bar.Start(ctx, nil)
	shrunk, err := sc.Shrink(ctx, seed, out, f.shrinkBudget, func(p swarm.ShrinkProgress) {
		bar.Update(progress.Counts{Done: uint64(p.Simulations), Note: scenario.Plural(p.Faults, "fault") + " left"})
	})
	stop()
	bar.Finish()
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "simulate: shrink of seed %d interrupted\n", seed)
		return nil
	case errors.Is(err, swarm.ErrNotReproduced):
		// The seed failed in the sweep and not when replayed: worth
		// knowing, and no reason to hide the sweep's report.
		fmt.Fprintf(stderr, "simulate: cannot shrink seed %d: %v\n", seed, err)
		return nil
	case err != nil:
		return hostError(sc, seed, err)
	}
	r, err := scenario.NewShrinkReport(shrunk)
	if err != nil {
		return err
	}
	path := f.shrinkOut
	if path == "" {
		path = fmt.Sprintf("shrunk-%d.hcl", seed)
	}
	if err := atomicfile.Write(path, func(w io.Writer) error { _, err := io.WriteString(w, r.HCL); return err }); err != nil {
		return fmt.Errorf("writing the shrunk schedule of seed %d: %w (choose another file with --shrink-out)", seed, err)
	}
	r.Written = path
	r.Reproduce = scenario.ShrunkCommand(sc.File, seed, path, f.decide, f.granularity)
	rep.Shrunk = r
	return nil
}
