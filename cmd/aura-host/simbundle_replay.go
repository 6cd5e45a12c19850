package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/trace"
)

// replayBundleFile replays every machine trace of a simulation bundle with
// no plugins, and reports each: OK, or its divergence as a diagnostic.
// Exit status 1 if any diverges or cannot be replayed.
func replayBundleFile(ctx context.Context, w io.Writer, file string) error {
	b, err := readBundle(file)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: simulation bundle of deployment %q, seed %d: %s\n",
		file, b.header.Deployment, b.header.Seed, plural(len(b.traces), "machine trace"))
	failed := 0
	for _, bt := range b.traces {
		label := fmt.Sprintf("run %s, role %s (agent %s)", bt.Run, bt.Role, bt.Agent)
		if ok := replayMachine(ctx, w, file, b, bt, label); !ok {
			failed++
		}
	}
	if failed > 0 {
		fmt.Fprintf(w, "%d of %d machine traces did not replay\n", failed, len(b.traces))
		return &exitError{code: 1}
	}
	fmt.Fprintf(w, "OK: every machine trace replayed with no plugins\n")
	return nil
}

// replayMachine replays one machine's trace and prints its line; it
// reports whether the trace replayed.
func replayMachine(ctx context.Context, w io.Writer, file string, b *simBundle, bt bundleTrace, label string) bool {
	t, err := b.machineTrace(bt)
	var fault *vm.Fault
	switch {
	case errors.As(err, &fault) && fault.Kind == vm.FaultDeterminism:
		fmt.Fprintf(w, "  %s: DIVERGED at entry %d (line %d)\n", label, fault.Index, bt.first+fault.Index+2)
		reportDivergence(file, bt.first, nil, fault)
		return false
	case err != nil:
		fmt.Fprintf(w, "  %s: unreadable: %v\n", label, err)
		return false
	case t.Header.Granularity != policy.Full:
		fmt.Fprintf(w, "  %s: not replayable: the trace is %s; only a full trace replays (simulate --granularity full, the default)\n", label, t.Header.Granularity)
		return false
	}
	m, err := vm.ReplayTrace(ctx, t)
	fault = nil
	switch {
	case errors.As(err, &fault) && fault.Kind == vm.FaultDeterminism:
		if stopped := b.stoppedAt(bt, t, fault); stopped != "" {
			fmt.Fprintf(w, "  %s: OK: replayed %d entries, up to where %s\n", label, len(t.Entries), stopped)
			return true
		}
		fmt.Fprintf(w, "  %s: DIVERGED at entry %d (line %d)\n", label, fault.Index, bt.first+fault.Index+2)
		reportDivergence(file, bt.first, t, fault)
		return false
	case err != nil && fault == nil:
		fmt.Fprintf(w, "  %s: cannot replay: %v\n", label, err)
		return false
	}
	want, got := t.Hash(), m.Trace().Hash()
	if want != got {
		fmt.Fprintf(w, "  %s: DIVERGED: the replayed trace hashes %x, the recorded one %x\n", label, got, want)
		return false
	}
	ended := ""
	if fault != nil {
		ended = fmt.Sprintf(", ending in the recorded fault (%s)", fault.Kind)
	}
	fmt.Fprintf(w, "  %s: OK: replayed %d entries%s, trace hash %s\n", label, len(t.Entries), ended, hex.EncodeToString(want[:]))
	return true
}

// stoppedAt explains a replay that ran past the end of a machine's trace
// of a run that failed: the simulation stopped the machine there (the run
// timed out, or another role faulted), so the replay can only follow it
// that far. It returns "" for any other divergence.
func (b *simBundle) stoppedAt(bt bundleTrace, t *trace.Trace, f *vm.Fault) string {
	o, ok := b.outcomes[bt.Run]
	if !ok || o.Status != "failed" || f.Index < len(t.Entries) {
		return ""
	}
	return fmt.Sprintf("the failed run stopped it (%s)", abbreviateLine(o.Fault, 120))
}
