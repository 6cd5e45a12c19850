package session

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/trace"
)

// ReplayStatus is how a recorded trace replayed.
type ReplayStatus int

// The ways a trace replays.
const (
	// Replayed: the rerun matched the trace, hash for hash (Fault: the
	// recorded fault it ended in, if any).
	Replayed ReplayStatus = iota
	// Diverged: the rerun asked for something else than the trace recorded
	// (Fault, a Determinism fault), or its trace hashes differently (Fault
	// nil).
	Diverged
	// NotReplayable: the trace is not full (Trace.Header.Granularity).
	NotReplayable
	// CannotReplay: the rerun could not start (Err).
	CannotReplay
	// Unreadable: the trace does not read (Err; or Fault when a line no
	// longer chains, and then the status is Diverged). Set by readers.
	Unreadable
	// StoppedByRun: a machine of a simulated run that failed matched up to
	// where the simulation stopped it. Set by host/sim.
	StoppedByRun
)

// Replay is a recorded trace rerun with no plugins.
type Replay struct {
	Status ReplayStatus
	Trace  *trace.Trace // the recorded trace (nil when it did not read)
	Fault  *vm.Fault
	Err    error
	Want   [32]byte // the recorded trace's hash (Replayed, Diverged by hash)
	Got    [32]byte // the rerun's
}

// ReplayTrace reruns the session t records, from the protocol source it
// carries, answering every effect outcome, decision, payload, time and
// random byte from t, and checks the rerun's trace hashes as t does.
func ReplayTrace(ctx context.Context, t *trace.Trace) Replay {
	r := Replay{Trace: t}
	if t.Header.Granularity != policy.Full {
		r.Status = NotReplayable
		return r
	}
	m, err := vm.ReplayTrace(ctx, t)
	var fault *vm.Fault
	switch {
	case errors.As(err, &fault) && fault.Kind == vm.FaultDeterminism:
		r.Status, r.Fault = Diverged, fault
		return r
	case err != nil && fault == nil:
		r.Status, r.Err = CannotReplay, err
		return r
	}
	r.Want, r.Got = t.Hash(), m.Trace().Hash()
	r.Status, r.Fault = Replayed, fault
	if r.Want != r.Got {
		r.Status, r.Fault = Diverged, nil
	}
	return r
}

// ReplayFile reads a recorded trace file (ReadTraceFile) and replays it
// (ReplayTrace). A file that does not read is Unreadable (Err), one with an
// altered line Diverged at that line's index (Fault; Trace nil).
func ReplayFile(ctx context.Context, file string) Replay {
	t, err := ReadTraceFile(file)
	if fault, ok := err.(*vm.Fault); ok {
		return Replay{Status: Diverged, Fault: fault}
	}
	if err != nil {
		return Replay{Status: Unreadable, Err: err}
	}
	return ReplayTrace(ctx, t)
}

// Failure is why the trace in file did not replay, as one error naming
// the file (`aura-host trace replay` prints it): nil when it replayed, and
// nil for a Determinism fault (Diverged with Fault), which
// DivergenceDiagnostic shows better — at the protocol step, with the
// recorded entry.
func (r Replay) Failure(file string) error {
	switch {
	case r.Status == NotReplayable:
		return fmt.Errorf("replay %s: the trace is %s, and only a full trace replays: record it with `protocol run --granularity full` (the default)", file, r.Trace.Header.Granularity)
	case r.Status == CannotReplay:
		return fmt.Errorf("replay %s: %w", file, r.Err)
	case r.Status == Unreadable:
		return r.Err
	case r.Status == Diverged && r.Fault == nil:
		return fmt.Errorf("%s: the replayed trace hashes %x, the recorded one %x", file, r.Got, r.Want)
	}
	return nil
}

// DivergenceDiagnostic is a Determinism fault as one diagnostic: the
// first diverging index, the protocol step the rerun was at (with a
// snippet) when the fault knows it, what the trace holds at that index,
// and why it does not match. t is nil when the trace did not read. The
// trace's header is line offset+1 of file (offset is 0 for a trace file,
// more for a machine's trace inside a simulation bundle).
func DivergenceDiagnostic(file string, offset int, t *trace.Trace, f *vm.Fault) (*hcl.Diagnostic, map[string]*hcl.File) {
	summary := fmt.Sprintf("%s diverges at trace index %d", file, f.Index)
	if offset > 0 {
		summary = fmt.Sprintf("%s diverges at index %d of the trace that starts at line %d", file, f.Index, offset+1)
	}
	line := offset + f.Index + 2
	var at string
	switch {
	case t != nil && f.Index >= 0 && f.Index < len(t.Entries):
		at = fmt.Sprintf("Recorded entry %d (line %d of %s): %s.", f.Index, line, file, describeEntry(&t.Entries[f.Index]))
	case t != nil && f.Index >= len(t.Entries):
		at = fmt.Sprintf("The trace ends after %d entries.", len(t.Entries))
	case t == nil && f.Index >= 0:
		if text := traceLine(file, line); text != "" {
			at = fmt.Sprintf("Line %d of %s: %s", line, file, AbbreviateLine(text, 200))
		}
	}
	detail := "Determinism fault: " + FaultMessage(f) + "."
	if at != "" {
		detail += "\n" + at
	}
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail}
	var files map[string]*hcl.File
	if f.Range.Filename != "" && t != nil {
		files = SourceFiles([]byte(t.Header.ProtocolSource), t.Header.ProtocolFile)
		if files[f.Range.Filename] != nil {
			d.Subject = f.Range.Ptr()
		}
	}
	return d, files
}

// traceLine returns line n (from 1) of a file, or "" if there is none.
func traceLine(file string, n int) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	br := bufio.NewReader(f)
	for i := 1; ; i++ {
		line, err := br.ReadString('\n')
		if i == n {
			return strings.TrimRight(line, "\n")
		}
		if err != nil {
			return ""
		}
	}
}

// describeEntry renders one entry on a line: where it sits in the run,
// what it is, and its values abbreviated.
func describeEntry(e *trace.Entry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "key %d, effect %d, %s by %s", e.OrderingKey, e.EffectID, e.Kind, e.Role)
	if e.Peer != "" {
		fmt.Fprintf(&b, " with %s", e.Peer)
	}
	fmt.Fprintf(&b, ": %s", e.Operation)
	fmt.Fprintf(&b, " in %s out %s", Abbreviate(e.Inputs, 60), Abbreviate(e.Outputs, 60))
	if e.Error != nil {
		fmt.Fprintf(&b, " error %s: %s", e.Error.Code, e.Error.Message)
	}
	return b.String()
}

// AbbreviateLine cuts s to at most limit characters, ending in "…".
func AbbreviateLine(s string, limit int) string {
	if r := []rune(s); len(r) > limit {
		return string(r[:limit-1]) + "…"
	}
	return s
}

// ReadTraceFile reads a recorded trace file (`protocol run --record`). A
// line that was altered (its digest no longer chains) is returned as the
// Determinism *vm.Fault at its index, unwrapped; anything else that keeps
// the file from reading is an error naming it.
func ReadTraceFile(file string) (*trace.Trace, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("read trace: %w (give a file written by `aura-host protocol run --record`)", err)
	}
	defer f.Close()
	t, err := vm.ReadTrace(f)
	var fault *vm.Fault
	if errors.As(err, &fault) && fault.Kind == vm.FaultDeterminism {
		return nil, fault
	}
	if err != nil {
		return nil, fmt.Errorf("read trace %s: %w (is it a trace written by `aura-host protocol run --record`?)", file, err)
	}
	return t, nil
}

// WriteText prints a trace that replayed (Status Replayed) for people, as
// `aura-host trace replay FILE` does: OK with the number of entries, the
// recorded fault the replay also ended in, and the trace hash.
func (r Replay) WriteText(w io.Writer, file string) {
	fmt.Fprintf(w, "%s: OK: replayed %d entries of protocol %q with no plugins\n", file, len(r.Trace.Entries), r.Trace.Header.Protocol)
	if r.Fault != nil {
		fmt.Fprintf(w, "the recorded run ended in a fault, and so does the replay: %s\n", r.Fault.Kind)
	}
	fmt.Fprintf(w, "trace hash %s\n", hex.EncodeToString(r.Want[:]))
}
