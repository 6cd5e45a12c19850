package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/vm"
)

// Progress lines of a sweep: one every progressSeeds seeds, or sooner when
// progressEvery has passed since the last, so a slow sweep is visibly alive.
const (
	progressSeeds = 10
	progressEvery = 2 * time.Second
)

// writeReport prints one seed's outcome for people. Lines start with a
// fixed word (simulation, run, bundle, recorded) so that scripts can pick
// them out.
func writeReport(w io.Writer, o *sim.Report, bindings bool) {
	fmt.Fprintf(w, "simulation of deployment %q (%s), seed %d: %s, %s, %s\n", o.Deployment, o.File, o.Seed,
		plural(o.Agents, "agent"), plural(len(o.Runs), "run"), plural(o.Faults, "fault"))
	for _, r := range o.Runs {
		fmt.Fprintf(w, "run %s: %s\n", r.Name, runSummary(&r))
		if bindings {
			for _, rb := range r.Roles {
				fmt.Fprintf(w, "  role %s (agent %s)\n", rb.Role, rb.Agent)
				writeBindings(w, "    ", rb.Names, rb.Bindings, 120)
			}
		}
	}
	fmt.Fprintf(w, "virtual time: %s\n", virtualTime(o.VirtualMs))
	fmt.Fprintf(w, "bundle: %d lines, hash %s\n", o.BundleLines, o.BundleHash)
	if o.Recorded != "" {
		fmt.Fprintf(w, "recorded: %s\n", o.Recorded)
	}
}

// runSummary is a run's outcome on one line.
func runSummary(r *sim.RunReport) string {
	if r.Fault == nil {
		return fmt.Sprintf("ok, finished at %s of virtual time in %d steps", virtualTime(r.FinishedMs), r.Steps)
	}
	where := ""
	if r.Fault.Role != "" {
		where = " in role " + r.Fault.Role
	}
	return fmt.Sprintf("failed at %s of virtual time after %d steps: %s%s: %s", virtualTime(r.FinishedMs), r.Steps, r.Fault.Kind, where, r.Fault.Message)
}

// reportRunFault prints a failed run's fault on stderr as a diagnostic:
// at the protocol step when the fault knows it, else at the run block (its
// timeout, for a run that timed out), so that every failure has a line.
func reportRunFault(sc *sim.Scenario, seed uint64, r *sim.RunReport) {
	summary := fmt.Sprintf("Run %q failed (seed %d): %s", r.Name, seed, r.Fault.Kind)
	if r.Fault.Role != "" {
		summary += " in role " + r.Fault.Role
	}
	detail := r.Fault.Message
	if r.Fault.Index >= 0 {
		detail = fmt.Sprintf("At trace index %d: %s", r.Fault.Index, detail)
	}
	detail += fmt.Sprintf("\nThe run ended at %s of virtual time.", virtualTime(r.FinishedMs))
	var subject *hcl.Range
	var f *vm.Fault
	switch {
	case errors.As(r.Err, &f) && f.Range.Filename != "" && sc.Files[f.Range.Filename] != nil:
		subject = f.Range.Ptr()
	case r.Decl != nil && f != nil && f.Kind == vm.FaultTimeout && r.Decl.TimeoutRange.Filename != "":
		subject = r.Decl.TimeoutRange.Ptr()
	case r.Decl != nil:
		subject = r.Decl.DeclRange.Ptr()
	}
	if subject == nil {
		fmt.Fprintf(stderr, "Error: %s\n\n%s\n", summary, detail)
		return
	}
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: subject}
	_ = config.WriteDiagnostics(stderr, sc.Files, hcl.Diagnostics{d}, colorful(stderr))
}

// sweep simulates every seed of r, f.parallel at a time (sim.Sweep), and
// reports in seed order: each failing seed with the command that
// reproduces it alone, progress on stderr, the summary last.
func sweep(ctx context.Context, w io.Writer, sc *sim.Scenario, r sim.SeedRange, f *simulateFlags) error {
	rep := sc.NewSweepReport(r)
	if !f.asJSON {
		fmt.Fprintf(w, "sweeping seeds %s of deployment %q (%s): %s, %d at a time\n", r, sc.Deployment.Name, sc.File, plural(len(sc.Deployment.Runs), "run"), f.parallel)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	lastLine, sinceLine := start, 0
	var failure error
	for res := range sim.Sweep(ctx, sim.SweepConfig{Seeds: r, Parallel: f.parallel, Simulate: sc.Simulate}) {
		if res.Err != nil {
			if failure == nil {
				failure = hostError(sc, res.Seed, res.Err)
				cancel() // the deployment cannot be simulated: stop the other seeds
			}
			continue
		}
		o := sc.Report(res.Seed, res.Outcome)
		rep.Add(o)
		if o.Status != "ok" {
			o.Reproduce = reproduceCommand(sc.File, res.Seed, f)
			if !f.asJSON {
				writeFailingSeed(w, o)
			}
		}
		sinceLine++
		if rep.Simulated < r.Count() && (sinceLine >= progressSeeds || time.Since(lastLine) >= progressEvery) {
			fmt.Fprintf(stderr, "simulate: %d of %d seeds, %d failed, %s\n", rep.Simulated, r.Count(), rep.Failed, time.Since(start).Round(time.Millisecond))
			lastLine, sinceLine = time.Now(), 0
		}
	}
	if failure != nil {
		return failure
	}
	interrupted := rep.Simulated < r.Count()
	rep.ElapsedMs = time.Since(start).Milliseconds()
	if f.asJSON {
		if err := writeJSON(w, rep); err != nil {
			return err
		}
	} else {
		writeSweepSummary(w, rep, r, interrupted)
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

// writeFailingSeed prints a failing seed: each failed run, and the command
// that reproduces the seed with its bundle recorded.
func writeFailingSeed(w io.Writer, o *sim.Report) {
	for _, r := range o.Runs {
		if r.Fault != nil {
			fmt.Fprintf(w, "seed %d: run %s %s\n", o.Seed, r.Name, runSummary(&r))
		}
	}
	fmt.Fprintf(w, "  reproduce: %s\n", o.Reproduce)
}

func writeSweepSummary(w io.Writer, rep *sim.SweepReport, r sim.SeedRange, interrupted bool) {
	elapsed := (time.Duration(rep.ElapsedMs) * time.Millisecond).Round(time.Millisecond)
	of := ""
	if interrupted {
		of = fmt.Sprintf(" (interrupted: %d of %d)", rep.Simulated, r.Count())
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

// virtualTime renders milliseconds of virtual time: "0s", "3.412s", "1h0m0s".
func virtualTime(ms int64) string {
	return (time.Duration(ms) * time.Millisecond).String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// shellQuote quotes s for a POSIX shell when it needs it, so that a
// printed command can be pasted as it is.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
