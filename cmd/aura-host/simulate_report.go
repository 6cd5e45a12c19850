package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aurahost/aura-host/host/sim"
)

// Progress lines of a sweep: one every progressSeeds seeds, or sooner when
// progressEvery has passed since the last, so a slow sweep is visibly alive.
const (
	progressSeeds = 10
	progressEvery = 2 * time.Second
)

// sweep simulates every seed of r, f.parallel at a time (sim.Scenario.SweepSeeds), and
// reports in seed order: each failing seed with the command that
// reproduces it alone, progress on stderr, the summary last.
func sweep(ctx context.Context, w io.Writer, sc *sim.Scenario, r sim.SeedRange, f *simulateFlags) error {
	if !f.asJSON {
		fmt.Fprintf(w, "sweeping seeds %s of deployment %q (%s): %s, %d at a time\n", r, sc.Deployment.Name, sc.File, sim.Plural(len(sc.Deployment.Runs), "run"), f.parallel)
	}
	start := time.Now()
	lastLine, sinceLine := start, 0
	rep, err := sc.SweepSeeds(ctx, r, f.parallel, func(o *sim.Report, rep *sim.SweepReport) {
		if o.Status != "ok" {
			o.Reproduce = reproduceCommand(sc.File, o.Seed, f)
			if !f.asJSON {
				o.WriteFailing(w)
			}
		}
		sinceLine++
		if rep.Simulated < r.Count() && (sinceLine >= progressSeeds || time.Since(lastLine) >= progressEvery) {
			fmt.Fprintf(stderr, "simulate: %d of %d seeds, %d failed, %s\n", rep.Simulated, r.Count(), rep.Failed, time.Since(start).Round(time.Millisecond))
			lastLine, sinceLine = time.Now(), 0
		}
	})
	var se *sim.SeedError
	if errors.As(err, &se) {
		return hostError(sc, se.Seed, se.Err)
	}
	interrupted := rep.Interrupted()
	if f.asJSON {
		if err := writeJSON(w, rep); err != nil {
			return err
		}
	} else {
		rep.WriteSummary(w)
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

// reproduceCommand is the one command that reruns a seed alone and
// records its bundle: the flags that shape the outcome (--decide,
// --granularity) are carried over.
func reproduceCommand(file string, seed uint64, f *simulateFlags) string {
	args := []string{"aura-host", "simulate", shellQuote(file), "--seed", strconv.FormatUint(seed, 10),
		"--record", fmt.Sprintf("seed-%d.jsonl", seed)}
	for _, d := range f.decide {
		args = append(args, "--decide", shellQuote(d))
	}
	if f.granularity != "" && f.granularity != "full" {
		args = append(args, "--granularity", shellQuote(f.granularity))
	}
	return strings.Join(args, " ")
}

// shellQuote quotes s for a POSIX shell when it needs it, so that a
// printed command can be pasted as it is.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
