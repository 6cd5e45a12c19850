package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/host/sim/bundle"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/trace"
)

func newTraceCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trace",
		Short: "Replay, compare and view recorded protocol traces and simulation bundles",
		Long: `A trace is what ` + "`aura-host protocol run --record FILE`" + ` writes: one JSON
line of header (the protocol, its source, the seed, the scheduler), then
one line per effect request and outcome and per message, in canonical order
(ordering key = machine step, then effect ID, then kind). Each line carries
a digest chaining it to every line before it, so an altered or missing line
is found at its index.

A simulation bundle is what ` + "`aura-host simulate --record FILE`" + ` writes: a
header line ({"format":"aura-sim-bundle/v1", the seed, ...}), each fault as
applied on virtual time, then for each run and role a {"trace":...} line
followed by that machine's trace as above and a {"times":...} line (when
its entries happened), and each run's outcome. Every trace command accepts either kind.`,
		Example: `  aura-host trace replay recovery.jsonl
  aura-host trace diff seed1.jsonl seed2.jsonl
  aura-host trace view seed-7.jsonl -o run.html`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newTraceReplayCommand(), newTraceDiffCommand(), newTraceViewCommand())
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
			r := session.ReplayFile(cmd.Context(), file)
			if r.Status == session.Diverged && r.Fault != nil {
				reportDivergence(file, 0, r.Trace, r.Fault)
				return &exitError{code: 1}
			}
			if err := r.Failure(file); err != nil {
				return err
			}
			r.WriteText(cmd.OutOrStdout(), file)
			return nil
		},
	}
}

// readTraceFile reads a recorded trace (session.ReadTraceFile), reporting
// an altered line as a divergence at its index.
func readTraceFile(file string) (*trace.Trace, error) {
	t, err := session.ReadTraceFile(file)
	if fault, ok := err.(*vm.Fault); ok {
		reportDivergence(file, 0, nil, fault)
		return nil, &exitError{code: 1}
	}
	return t, err
}

// reportDivergence prints a Determinism fault (session.DivergenceDiagnostic).
func reportDivergence(file string, offset int, t *trace.Trace, f *vm.Fault) {
	d, files := session.DivergenceDiagnostic(file, offset, t, f)
	writeDiagnostic(d, files)
}

// replayBundleFile replays every machine trace of a simulation bundle with
// no plugins (bundle.Bundle.Replay), and reports each (WriteReplay), a
// divergence as a diagnostic. Exit status 1 if any does not replay.
func replayBundleFile(ctx context.Context, w io.Writer, file string) error {
	b, err := bundle.ReadFile(file)
	if err != nil {
		return err
	}
	if !b.WriteReplay(w, b.Replay(ctx), func(r bundle.MachineReplay) { reportDivergence(file, r.First, r.Trace, r.Fault) }) {
		return &exitError{code: 1}
	}
	return nil
}
