package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/owned"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/sim/scenario"
	"github.com/aurahost/aura-host/host/sim/swarm"
	"github.com/aurahost/aura-host/internal/atomicfile"
	"github.com/aurahost/aura-host/plugins"
	"github.com/aurahost/aura-host/vm/policy"
)

// sweepGCPercent is the garbage collector's target for a sweep: every
// seed builds its agents and their plugins afresh and drops them, so a
// sweep is allocation and little else, and letting the heap grow to five
// times its live size before collecting spent 30 % less user CPU on the
// example's sweep for 45 MB more memory (BENCHMARKS.md, issue 15).
const sweepGCPercent = 400

// sweepGC sets the collector's target for a sweep, unless the user set
// GOGC, which wins.
func sweepGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(sweepGCPercent)
	}
}

// simulateFlags are the flags of `simulate`.
type simulateFlags struct {
	seed        uint64
	seeds       string
	record      string
	decide      []string
	granularity string
	asJSON      bool
	bindings    bool
	parallel    int
	progress    *progressMode
	// faults is --faults, a fault file replayed as the seed's whole
	// schedule; schedule holds its faults once read.
	faults   string
	schedule []*config.Fault
	// The shrink of a sweep's first failing seed (simulate_shrink.go).
	noShrink     bool
	shrinkBudget int
	shrinkOut    string
	stateDir     string
}

func newSimulateCommand(g *globals) *cobra.Command {
	f := &simulateFlags{}
	cmd := &cobra.Command{
		Use:   "simulate FILE [--seed N | --seeds A..B]",
		Short: "Run a deployment's protocol runs across its agents on virtual time, with faults",
		Long: `Run the deployment in simulation mode, whatever mode the file names:
every agent block becomes an agent (its own authority, keys and guard
chain) in this one process, the simulation block's plugins replace the
real ones (virtual clock, seeded randomness, in-memory storage, a
simulated network), the fault blocks apply on virtual time, and every run
block's protocol runs with its roles bound to agents. Nothing waits on the
wall clock: an hour of virtual time passes at once.

For each run it prints whether it completed, when (virtual time) and in
how many steps; a failed run's fault is a diagnostic at the protocol step
where it happened. Then the trace bundle's hash: the same deployment and
seed give the same bundle, byte for byte. --record writes the bundle (JSON
Lines), which ` + "`aura-host trace diff`" + ` compares and ` + "`trace replay`" + ` replays.

The seed is the simulation block's (else the deployment's) unless --seed
gives another; --seeds A..B sweeps a range, printing each failing seed with
the command that reproduces it, and a summary. On a terminal, a sweep that
lasts over a second draws a progress line on stderr (seeds done of the
total, failures so far, seeds per second, ETA), redrawn in place and
erased at the end; piped, it prints none (--progress). A sweep logs errors
only (its seeds' warnings are mostly what the faults were drawn to cause:
a duplicate refused as a replay); -v or --log-level warn shows them. A
sweep lets the heap grow to five times its live size between garbage
collections (GOGC=400, unless GOGC is set): its seeds allocate and drop
whole agents, and the collector's work was a third of its user CPU.

Each seed's agents keep their state (journal databases, plugin files) in
a directory of their own, removed when the seed ends, under --state-dir:
by default /dev/shm, a memory filesystem, if this process may write
there and it has 32 MiB free, else the temporary directory. On a disk, creating, syncing and
removing those files took three quarters of a sweep's time (1,000
seeds: 35.5 s on a virtual disk, 9.4 s in memory).

Shrinking. When a sweep finds a failing seed, the first one's fault
schedule (the file's fault blocks plus what the seed drew from the swarm
block) is shrunk: the same seed is simulated again with smaller schedules
— faults dropped, partitions and crashes shorter, crashes later, rates
and delays lower — keeping each that still fails the same way (the same
invariant violated, or the same run failing with the same kind of fault),
until nothing more can go or --shrink-budget simulations (default 200)
are spent. The shrunk schedule is printed as fault blocks and written to
shrunk-N.hcl (--shrink-out), with the one command that reproduces the
failure byte for byte:

  aura-host simulate FILE --seed N --faults shrunk-N.hcl --record shrunk-N.jsonl

--faults FILE replays a fault file's blocks as the seed's whole schedule:
the deployment's own fault blocks and swarm block are set aside. The same
seed with the same fault file gives the same bundle as the shrinker's last
simulation (its hash is printed with the shrink). --no-shrink turns
shrinking off.

Exit status 1 if any run failed (for any seed) or the file has a mistake.`,
		Example: `  aura-host simulate examples/simulation/deployment.hcl
  aura-host simulate examples/simulation/deployment.hcl --seed 8 --decide 'Guardian[*]=Approve'
  aura-host simulate examples/simulation/deployment.hcl --seed 7 --record seed-7.jsonl
  aura-host simulate examples/simulation/deployment.hcl --seeds 1..200
  aura-host simulate host/sim/testdata/planted/deployment.hcl --seeds 1..1000
  aura-host simulate host/sim/testdata/planted/deployment.hcl --seed 21 --faults shrunk-21.hcl
  aura-host trace diff seed-7.jsonl seed-8.jsonl`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSimulate(cmd, g, f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.Uint64Var(&f.seed, "seed", 0, "the seed of every identifier, key, random byte, decision and fault (default: the simulation block's seed, else the deployment's)")
	fl.StringVar(&f.seeds, "seeds", "", "A..B: simulate every seed from A to B and report the failing ones, e.g. --seeds 1..200")
	fl.StringVar(&f.record, "record", "", "write the trace bundle to this file as JSON Lines")
	fl.StringArrayVar(&f.decide, "decide", nil, "ROLE=LABEL: the branch ROLE takes at choices left to the host that offer LABEL; ROLE may be a family, Guardian[*] (repeatable; default: chosen by the seed)")
	fl.StringVar(&f.granularity, "granularity", string(policy.Full), "how much each machine's trace captures: full (replayable) or topology_only (who sent which label to whom, and decisions)")
	fl.BoolVar(&f.asJSON, "json", false, "print the outcome as JSON (with --seeds, the sweep's)")
	fl.BoolVar(&f.bindings, "bindings", false, "print each role's final bindings under its run (--json always has them)")
	f.progress = addProgressFlag(fl)
	fl.StringVar(&f.faults, "faults", "", "a file of fault blocks to replay as the seed's whole fault schedule, in place of the deployment's fault blocks and swarm block (the file a sweep's shrink writes)")
	fl.BoolVar(&f.noShrink, "no-shrink", false, "with --seeds: do not shrink the first failing seed's fault schedule")
	fl.IntVar(&f.shrinkBudget, "shrink-budget", swarm.DefaultShrinkBudget, "with --seeds: the most simulations the shrink of the first failing seed may run")
	fl.StringVar(&f.shrinkOut, "shrink-out", "", "with --seeds: where to write the shrunk fault schedule (default shrunk-N.hcl, N the seed)")
	fl.StringVar(&f.stateDir, "state-dir", "", "where each seed's agents keep their throwaway state, removed after the seed (default: /dev/shm, a memory filesystem, if writable, else the temporary directory)")
	fl.IntVar(&f.parallel, "parallel", 0, "with --seeds: how many seeds to simulate at once (default: one per CPU; each is independent, and results are reported in seed order)")
	return cmd
}

func runSimulate(cmd *cobra.Command, g *globals, f *simulateFlags, file string) error {
	gran, err := policy.ParseGranularity(f.granularity)
	if err != nil {
		return fmt.Errorf("--granularity: %w", err)
	}
	if gran == policy.Disabled {
		// A bundle is the record of the simulation; it holds each machine's trace.
		return errors.New("--granularity disabled: a simulation always records its trace bundle; use full (replayable, the default) or topology_only")
	}
	switch {
	case f.parallel < 0:
		return fmt.Errorf("--parallel %d: want 1 or more", f.parallel)
	case f.parallel == 0:
		f.parallel = runtime.GOMAXPROCS(0)
	}
	changed := cmd.Flags().Changed
	switch {
	case changed("seeds") && changed("seed"):
		return errors.New("--seed and --seeds: give one seed, or a range to sweep")
	case changed("seeds") && f.record != "":
		return errors.New("--record writes one seed's bundle: a sweep prints the command that records each failing seed (--seed N --record seed-N.jsonl)")
	case changed("seeds") && f.bindings:
		return errors.New("--bindings prints one seed's bindings: drop it from the sweep, and rerun a seed with --seed N --bindings")
	case changed("seeds") && f.faults != "":
		return errors.New("--faults replays one seed's schedule: give --seed N with it (in a sweep each seed draws its own)")
	case !changed("seeds") && (f.noShrink || changed("shrink-budget") || f.shrinkOut != ""):
		return errors.New("--no-shrink, --shrink-budget and --shrink-out shape the shrink of a sweep's first failing seed: use them with --seeds A..B")
	case f.shrinkBudget < 1:
		return fmt.Errorf("--shrink-budget %d: want 1 or more simulations", f.shrinkBudget)
	}
	if err := checkStateRoot(f.stateDir); err != nil {
		return err
	}
	var seeds scenario.SeedRange
	if f.seeds != "" {
		if seeds, err = scenario.ParseSeedRange(f.seeds); err != nil {
			return fmt.Errorf("--seeds %q: %w, e.g. --seeds 1..200", f.seeds, err)
		}
	}
	// A sweep logs errors only: its seeds' warnings — an envelope the
	// guard chain refused as a replay under a duplicate fault, say — are
	// what the faults were drawn to cause, and thousands of seeds would
	// bury the summary under them; -v or --log-level shows them.
	quiet := "warn"
	if f.seeds != "" {
		quiet = "error"
	}
	logger, err := g.loggerAt(stderr, quiet)
	if err != nil {
		return err
	}
	dep, err := loadDeployment(g, file, nil)
	if err != nil {
		return err
	}
	sc, diags := scenario.Load(file, dep)
	if err := printDiagnostics(sc.Files, diags); err != nil {
		return err
	}
	if sc.Rules, err = parseDecideFlags(f.decide, sc.Programs...); err != nil {
		return err
	}
	sc.Granularity, sc.Builtins, sc.Logger, sc.StateRoot = gran, plugins.Lookup, logger, f.stateDir
	if f.faults != "" {
		faults, files, diags := config.LoadFaults(f.faults, sc.Deployment)
		maps.Copy(sc.Files, files)
		if !diags.HasErrors() {
			diags = sc.CheckSchedule(faults)
		}
		if err := printDiagnostics(sc.Files, diags); err != nil {
			return err
		}
		f.schedule = faults
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if f.seeds != "" {
		sweepGC()
		return sweep(ctx, cmd.OutOrStdout(), sc, seeds, f)
	}
	seed := sc.Deployment.Seed
	if changed("seed") {
		seed = f.seed
	}
	return simulateOne(ctx, cmd.OutOrStdout(), sc, seed, f)
}

// checkStateRoot checks --state-dir, when given: an existing directory on
// an ordinary filesystem (a seed makes its own directory in it, 0700).
func checkStateRoot(dir string) error {
	if dir == "" {
		return nil
	}
	if err := owned.CheckDir(dir, "--state-dir"); err != nil {
		return err
	}
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("--state-dir %s: %w; create it, or leave --state-dir out to use /dev/shm or the temporary directory", dir, err)
	}
	return nil
}

// simulateOne runs one seed, prints its outcome, records its bundle, and
// reports each failed run's fault.
func simulateOne(ctx context.Context, w io.Writer, sc *scenario.Scenario, seed uint64, f *simulateFlags) error {
	simulate := sc.Simulate
	if f.faults != "" {
		simulate = func(ctx context.Context, seed uint64) (*sim.Outcome, error) {
			return sc.SimulateSchedule(ctx, seed, f.schedule)
		}
	}
	out, err := simulate(ctx, seed)
	if err != nil {
		return hostError(sc, seed, err)
	}
	o := sc.Report(seed, out)
	if f.faults != "" {
		o.Faults, o.Drawn, o.FaultFile = len(f.schedule), 0, f.faults
	}
	if f.record != "" {
		if err := atomicfile.Write(f.record, func(w io.Writer) error { _, err := out.Bundle.WriteTo(w); return err }); err != nil {
			return fmt.Errorf("--record: %w", err)
		}
		o.Recorded = f.record
	}
	if err := writeAs(w, f.asJSON, o, func(w io.Writer) { o.WriteText(w, f.bindings) }); err != nil {
		return err
	}
	for _, r := range o.Runs {
		if r.Err != nil {
			writeDiagnostic(sc.RunFaultDiagnostic(seed, &r), sc.Files)
		}
	}
	if o.Status != "ok" {
		return &exitError{code: 1}
	}
	return nil
}

// hostError prints configuration mistakes the host found building or
// running the simulation of seed (a plugin's config block, say) with their
// snippets; other errors pass through, naming the seed.
func hostError(sc *scenario.Scenario, seed uint64, err error) error {
	if reportDiagnostics(sc.Files, err) {
		return &exitError{code: 1}
	}
	return fmt.Errorf("simulate %s with seed %d: %w", sc.File, seed, err)
}
