package bundle

import (
	"encoding/hex"
	"fmt"
	"io"

	"github.com/aurahost/aura-host/host/session"
)

// WriteReplay prints the replays of b's machine traces (Bundle.Replay) for
// people, as `aura-host trace replay` does: the bundle's line, then each
// machine OK or how it failed, then a summary. diverged is called for a
// machine that diverged with a fault, after its line, to print the fault
// (a diagnostic on stderr, say); it may be nil. It reports whether every
// machine trace replayed.
func (b *Bundle) WriteReplay(w io.Writer, replays []MachineReplay, diverged func(MachineReplay)) bool {
	traces := fmt.Sprintf("%d machine traces", len(b.Traces))
	if len(b.Traces) == 1 {
		traces = "1 machine trace"
	}
	fmt.Fprintf(w, "%s: simulation bundle of deployment %q, seed %d: %s\n", b.File, b.Header.Deployment, b.Header.Seed, traces)
	failed := 0
	for _, r := range replays {
		if !r.writeText(w, diverged) {
			failed++
		}
	}
	if failed > 0 {
		fmt.Fprintf(w, "%d of %d machine traces did not replay\n", failed, len(b.Traces))
		return false
	}
	fmt.Fprintf(w, "OK: every machine trace replayed with no plugins\n")
	return true
}

// writeText prints one machine's replay line; it reports whether the
// machine replayed OK.
func (r MachineReplay) writeText(w io.Writer, diverged func(MachineReplay)) bool {
	label := fmt.Sprintf("run %s, role %s (agent %s)", r.Run, r.Role, r.Agent)
	switch r.Status {
	case session.Replayed:
		ended := ""
		if r.Fault != nil {
			ended = fmt.Sprintf(", ending in the recorded fault (%s)", r.Fault.Kind)
		}
		fmt.Fprintf(w, "  %s: OK: replayed %d entries%s, trace hash %s\n", label, len(r.Trace.Entries), ended, hex.EncodeToString(r.Want[:]))
		return true
	case session.StoppedByRun:
		fmt.Fprintf(w, "  %s: OK: replayed %d entries, up to where the failed run stopped it (%s)\n", label, len(r.Trace.Entries), session.AbbreviateLine(r.RunFault, 120))
		return true
	case session.Diverged:
		if r.Fault == nil {
			fmt.Fprintf(w, "  %s: DIVERGED: the replayed trace hashes %x, the recorded one %x\n", label, r.Got, r.Want)
			break
		}
		fmt.Fprintf(w, "  %s: DIVERGED at entry %d (line %d)\n", label, r.Fault.Index, r.EntryLine(r.Fault.Index))
		if diverged != nil {
			diverged(r)
		}
	case session.Unreadable:
		fmt.Fprintf(w, "  %s: unreadable: %v\n", label, r.Err)
	case session.NotReplayable:
		fmt.Fprintf(w, "  %s: not replayable: the trace is %s; only a full trace replays (simulate --granularity full, the default)\n", label, r.Trace.Header.Granularity)
	case session.CannotReplay:
		fmt.Fprintf(w, "  %s: cannot replay: %v\n", label, r.Err)
	}
	return false
}
