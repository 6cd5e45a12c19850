package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aurahost/aura-host/host/sim"
)

// Progress lines of a sweep: one every progressSeeds seeds, or sooner when
// progressEvery has passed since the last, so a slow sweep is visibly alive.
const (
	progressSeeds = 10
	progressEvery = 2 * time.Second
)

// sweepReport is what `simulate --seeds` reports; its JSON form is --json's.
type sweepReport struct {
	Deployment string        `json:"deployment"`
	File       string        `json:"file"`
	Seeds      string        `json:"seeds"` // A..B
	Simulated  uint64        `json:"simulated"`
	OK         uint64        `json:"ok"`
	Failed     uint64        `json:"failed"`
	Distinct   int           `json:"distinct_bundles"` // distinct bundle hashes among the seeds
	ElapsedMs  int64         `json:"elapsed_ms"`
	Failures   []*simOutcome `json:"failures"`
	Results    []seedResult  `json:"results"`
}

// seedResult is one seed of a sweep.
type seedResult struct {
	Seed       uint64 `json:"seed"`
	Status     string `json:"status"`
	BundleHash string `json:"bundle_hash"`
	VirtualMs  int64  `json:"virtual_ms"`
}

// sweep simulates every seed of r, f.parallel at a time (each simulation
// is independent: its own agents, state and virtual clock, so running
// several at once changes nothing in any of them). Results are reported
// in seed order: each failing seed with the command that reproduces it
// alone, progress on stderr, the summary last.
func (sc *scenario) sweep(ctx context.Context, w io.Writer, r seedRange, f *simulateFlags) error {
	rep := &sweepReport{Deployment: sc.dep.Name, File: sc.file, Seeds: r.String(), Failures: []*simOutcome{}}
	if !f.asJSON {
		fmt.Fprintf(w, "sweeping seeds %s of deployment %q (%s): %s, %d at a time\n", r, sc.dep.Name, sc.file, plural(len(sc.dep.Runs), "run"), f.parallel)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := sc.simulateSeeds(ctx, r, f.parallel)
	hashes := map[string]bool{}
	start := time.Now()
	lastLine, sinceLine := start, 0
	var failure error
	for res := range results {
		if res.err != nil {
			if failure == nil {
				failure = sc.hostError(res.seed, res.err)
				cancel() // the deployment cannot be simulated: stop the other seeds
			}
			continue
		}
		o := sc.report(res.seed, res.out)
		rep.Simulated++
		hashes[o.BundleHash] = true
		rep.Results = append(rep.Results, seedResult{Seed: res.seed, Status: o.Status, BundleHash: o.BundleHash, VirtualMs: o.VirtualMs})
		if o.Status == "ok" {
			rep.OK++
		} else {
			rep.Failed++
			o.Reproduce = sc.reproduceCommand(res.seed, f)
			rep.Failures = append(rep.Failures, o)
			if !f.asJSON {
				writeFailingSeed(w, o)
			}
		}
		sinceLine++
		if rep.Simulated < r.count() && (sinceLine >= progressSeeds || time.Since(lastLine) >= progressEvery) {
			fmt.Fprintf(stderr, "simulate: %d of %d seeds, %d failed, %s\n", rep.Simulated, r.count(), rep.Failed, time.Since(start).Round(time.Millisecond))
			lastLine, sinceLine = time.Now(), 0
		}
	}
	if failure != nil {
		return failure
	}
	interrupted := rep.Simulated < r.count()
	rep.Distinct = len(hashes)
	rep.ElapsedMs = time.Since(start).Milliseconds()
	if f.asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		rep.writeSummary(w, r, interrupted)
	}
	if interrupted {
		fmt.Fprintf(stderr, "simulate: interrupted after %d of %d seeds\n", rep.Simulated, r.count())
		return &exitError{code: 1}
	}
	if rep.Failed > 0 {
		return &exitError{code: 1}
	}
	return nil
}

// seedOutcome is one seed's simulation, or why it could not run.
type seedOutcome struct {
	seed uint64
	out  *sim.Outcome
	err  error
}

// simulateSeeds simulates the seeds of r with n workers and sends the
// outcomes in seed order, closing the channel after the last (or, once
// ctx ends, after the seeds already done). Workers stop taking seeds when
// ctx ends.
func (sc *scenario) simulateSeeds(ctx context.Context, r seedRange, n int) <-chan seedOutcome {
	n = max(1, min(n, int(min(r.count(), 1024))))
	seeds := make(chan uint64)
	done := make(chan seedOutcome)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seed := range seeds {
				out, err := sc.simulate(ctx, seed)
				done <- seedOutcome{seed, out, err}
			}
		}()
	}
	go func() {
		defer close(seeds)
		for seed := r.from; ; seed++ {
			select {
			case seeds <- seed:
			case <-ctx.Done():
				return
			}
			if seed == r.to {
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(done)
	}()
	ordered := make(chan seedOutcome)
	go func() {
		defer close(ordered)
		pending := map[uint64]seedOutcome{}
		next := r.from
		for res := range done {
			pending[res.seed] = res
			for {
				res, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				next++
				// Once ctx ends, a simulation still going fails its runs
				// with the cancellation: nothing after it is a result.
				if ctx.Err() == nil {
					ordered <- res
				}
			}
		}
	}()
	return ordered
}

// writeFailingSeed prints a failing seed: each failed run, and the command
// that reproduces the seed with its bundle recorded.
func writeFailingSeed(w io.Writer, o *simOutcome) {
	for _, r := range o.Runs {
		if r.Fault != nil {
			fmt.Fprintf(w, "seed %d: run %s %s\n", o.Seed, r.Name, r.summary())
		}
	}
	fmt.Fprintf(w, "  reproduce: %s\n", o.Reproduce)
}

func (rep *sweepReport) writeSummary(w io.Writer, r seedRange, interrupted bool) {
	elapsed := (time.Duration(rep.ElapsedMs) * time.Millisecond).Round(time.Millisecond)
	of := ""
	if interrupted {
		of = fmt.Sprintf(" (interrupted: %d of %d)", rep.Simulated, r.count())
	}
	fmt.Fprintf(w, "summary: %s simulated%s in %s: %d ok, %d failed; %d distinct bundles\n",
		plural(int(rep.Simulated), "seed"), of, elapsed, rep.OK, rep.Failed, rep.Distinct)
	if rep.Failed > 0 {
		seeds := make([]string, len(rep.Failures))
		for i, o := range rep.Failures {
			seeds[i] = strconv.FormatUint(o.Seed, 10)
		}
		fmt.Fprintf(w, "failing seeds: %s\n", strings.Join(seeds, ", "))
	}
}

// reproduceCommand is the one command that reruns a seed alone and
// records its bundle: the flags that shape the outcome (--decide,
// --granularity) are carried over.
func (sc *scenario) reproduceCommand(seed uint64, f *simulateFlags) string {
	args := []string{"aura-host", "simulate", shellQuote(sc.file), "--seed", strconv.FormatUint(seed, 10),
		"--record", fmt.Sprintf("seed-%d.jsonl", seed)}
	for _, d := range f.decide {
		args = append(args, "--decide", shellQuote(d))
	}
	if f.granularity != "" && f.granularity != "full" {
		args = append(args, "--granularity", shellQuote(f.granularity))
	}
	return strings.Join(args, " ")
}
