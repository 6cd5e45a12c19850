package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/sim/bundle"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/trace"
)

func newTraceCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trace",
		Short: "Replay and compare recorded protocol traces and simulation bundles",
		Long: `A trace is what ` + "`aura-host protocol run --record FILE`" + ` writes: one JSON
line of header (the protocol, its source, the seed, the scheduler), then
one line per effect request and outcome and per message, in canonical order
(ordering key = machine step, then effect ID, then kind). Each line carries
a digest chaining it to every line before it, so an altered or missing line
is found at its index.

A simulation bundle is what ` + "`aura-host simulate --record FILE`" + ` writes: a
header line ({"format":"aura-sim-bundle/v1", the seed, ...}), each fault as
applied on virtual time, then for each run and role a {"trace":...} line
followed by that machine's trace as above, and each run's outcome. Both
commands accept either kind.`,
		Example: `  aura-host trace replay recovery.jsonl
  aura-host trace diff seed1.jsonl seed2.jsonl`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newTraceReplayCommand(), newTraceDiffCommand())
	return cmd
}

func newTraceReplayCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "replay FILE.jsonl",
		Short: "Rerun a recorded session with no plugins and check it matches",
		Long: `Rerun the session a trace records, from the protocol source the trace
carries, with no deployment and no plugin: every effect outcome, decision,
payload, time and random byte is answered from the trace. Each request the
rerun makes is checked against the recorded one, and each message it sends.

On success print OK with the number of entries and the trace hash (the same
hash ` + "`protocol run`" + ` printed). If the trace was altered, or the rerun asks
for something else than the trace recorded, print the Determinism fault
with the first diverging index and the entry there; the exit status is then
1. A recorded run that ended in a fault replays OK when the rerun ends in
the same fault.

Only full traces replay (the default of ` + "`protocol run`" + `); a
topology_only trace has no payloads or effect results to answer from.

A simulation bundle (` + "`aura-host simulate --record`" + `) holds one trace per
machine — per role of each run, on its agent. Each is replayed on its own,
its messages from the other roles answered from its trace, and reported
OK or with its divergence (at the bundle's line); the exit status is 1 if
any diverges. A machine that a failed run stopped mid-way replays OK up to
where it stopped.`,
		Example: `  aura-host trace replay recovery.jsonl
  aura-host trace replay seed-7.jsonl   # a simulation bundle`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			if bundle.IsFile(file) {
				return replayBundleFile(cmd.Context(), cmd.OutOrStdout(), file)
			}
			t, err := readTraceFile(file)
			if err != nil {
				return err
			}
			r := session.ReplayTrace(cmd.Context(), t)
			switch {
			case r.Status == session.NotReplayable:
				return fmt.Errorf("replay %s: the trace is %s, and only a full trace replays: record it with `protocol run --granularity full` (the default)", file, t.Header.Granularity)
			case r.Status == session.Diverged && r.Fault != nil:
				reportDivergence(file, 0, t, r.Fault)
				return &exitError{code: 1}
			case r.Status == session.CannotReplay:
				return fmt.Errorf("replay %s: %w", file, r.Err)
			case r.Status == session.Diverged:
				fmt.Fprintf(stderr, "Error: %s: the replayed trace hashes %x, the recorded one %x\n", file, r.Got, r.Want)
				return &exitError{code: 1}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: OK: replayed %d entries of protocol %q with no plugins\n", file, len(t.Entries), t.Header.Protocol)
			if r.Fault != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "the recorded run ended in a fault, and so does the replay: %s\n", r.Fault.Kind)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "trace hash %s\n", hex.EncodeToString(r.Want[:]))
			return nil
		},
	}
}

// readTraceFile reads a recorded trace. A line that was altered (its
// digest no longer chains) is reported as a divergence at its index;
// anything else that keeps the file from reading is an error naming it.
func readTraceFile(file string) (*trace.Trace, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("read trace: %w (give a file written by `aura-host protocol run --record`)", err)
	}
	defer f.Close()
	t, err := vm.ReadTrace(f)
	var fault *vm.Fault
	if errors.As(err, &fault) && fault.Kind == vm.FaultDeterminism {
		reportDivergence(file, 0, nil, fault)
		return nil, &exitError{code: 1}
	}
	if err != nil {
		return nil, fmt.Errorf("read trace %s: %w (is it a trace written by `aura-host protocol run --record`?)", file, err)
	}
	return t, nil
}

// reportDivergence prints a Determinism fault (session.DivergenceDiagnostic).
func reportDivergence(file string, offset int, t *trace.Trace, f *vm.Fault) {
	d, files := session.DivergenceDiagnostic(file, offset, t, f)
	writeDiagnostic(d, files)
}

// replayBundleFile replays every machine trace of a simulation bundle with
// no plugins (bundle.Bundle.Replay), and reports each: OK, or its divergence
// as a diagnostic. Exit status 1 if any diverges or cannot be replayed.
func replayBundleFile(ctx context.Context, w io.Writer, file string) error {
	b, err := bundle.ReadFile(file)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: simulation bundle of deployment %q, seed %d: %s\n",
		file, b.Header.Deployment, b.Header.Seed, sim.Plural(len(b.Traces), "machine trace"))
	failed := 0
	for _, r := range b.Replay(ctx) {
		label := fmt.Sprintf("run %s, role %s (agent %s)", r.Run, r.Role, r.Agent)
		switch r.Status {
		case session.Replayed:
			ended := ""
			if r.Fault != nil {
				ended = fmt.Sprintf(", ending in the recorded fault (%s)", r.Fault.Kind)
			}
			fmt.Fprintf(w, "  %s: OK: replayed %d entries%s, trace hash %s\n", label, len(r.Trace.Entries), ended, hex.EncodeToString(r.Want[:]))
			continue
		case session.StoppedByRun:
			fmt.Fprintf(w, "  %s: OK: replayed %d entries, up to where the failed run stopped it (%s)\n", label, len(r.Trace.Entries), session.AbbreviateLine(r.RunFault, 120))
			continue
		case session.Diverged:
			if r.Fault == nil {
				fmt.Fprintf(w, "  %s: DIVERGED: the replayed trace hashes %x, the recorded one %x\n", label, r.Got, r.Want)
				break
			}
			fmt.Fprintf(w, "  %s: DIVERGED at entry %d (line %d)\n", label, r.Fault.Index, r.EntryLine(r.Fault.Index))
			reportDivergence(file, r.First, r.Trace, r.Fault)
		case session.Unreadable:
			fmt.Fprintf(w, "  %s: unreadable: %v\n", label, r.Err)
		case session.NotReplayable:
			fmt.Fprintf(w, "  %s: not replayable: the trace is %s; only a full trace replays (simulate --granularity full, the default)\n", label, r.Trace.Header.Granularity)
		case session.CannotReplay:
			fmt.Fprintf(w, "  %s: cannot replay: %v\n", label, r.Err)
		}
		failed++
	}
	if failed > 0 {
		fmt.Fprintf(w, "%d of %d machine traces did not replay\n", failed, len(b.Traces))
		return &exitError{code: 1}
	}
	fmt.Fprintf(w, "OK: every machine trace replayed with no plugins\n")
	return nil
}
