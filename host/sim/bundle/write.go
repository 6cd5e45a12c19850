package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/vm/trace"
)

// Format names the trace bundle's JSON Lines format.
const Format = "aura-sim-bundle/v1"

// Writer writes a trace bundle: a header (format, deployment, seed,
// determinism profile), every fault change applied with its virtual time,
// then for each run and role the machine's own trace (vm's JSON Lines,
// introduced by a {"trace":...} line), and last each run's outcome and
// the end. Each line is JSON with sorted keys, so the same calls give the
// same bytes.
type Writer struct {
	buf bytes.Buffer
}

// NewWriter starts a bundle with its header line.
func NewWriter(deployment string, seed uint64, profile map[string]any) *Writer {
	b := &Writer{}
	b.line(map[string]any{"format": Format, "deployment": deployment, "seed": seed, "profile": profile})
	return b
}

func (b *Writer) line(v any) {
	out, err := json.Marshal(v) // map keys sort: deterministic
	if err != nil {
		panic(err) // only plain values are written
	}
	b.buf.Write(out)
	b.buf.WriteByte('\n')
}

// Fault records a fault starting or ending (phase "start", "end") at a
// virtual time.
func (b *Writer) Fault(atMs int64, kind, phase, detail string) {
	b.line(map[string]any{"fault": map[string]any{"at_ms": atMs, "kind": kind, "phase": phase, "detail": detail}})
}

// Swarm lists the faults a seed drew from the swarm block (each a map:
// kind, at_ms and the kind's parameters), in start order.
func (b *Writer) Swarm(faults []map[string]any) {
	if faults == nil {
		faults = []map[string]any{}
	}
	b.line(map[string]any{"swarm": map[string]any{"faults": faults}})
}

// Trace records one machine's trace (t nil: tracing was disabled, only
// the {"trace":...} line is written).
func (b *Writer) Trace(run, role, agent string, t *trace.Trace) {
	b.TimedTrace(run, role, agent, t, nil)
}

// TimeMark says when a machine's entries happened: those from index Entry
// on (up to the next mark's) at Ms of virtual time.
type TimeMark struct {
	Entry int
	Ms    int64
}

// TimedTrace records one machine's trace and the virtual time of its
// entries: after the trace, a {"times":{"run","role","at"}} line whose
// "at" is a list of [entry index, ms] marks in order (no line when there
// are none), which `aura-host trace view` draws the time axis from. It
// follows the trace so that a comparison of two bundles meets a
// difference in what the machine did before one in when.
func (b *Writer) TimedTrace(run, role, agent string, t *trace.Trace, times []TimeMark) {
	defer func() {
		if len(times) == 0 {
			return
		}
		at := make([][2]int64, len(times))
		for i, m := range times {
			at[i] = [2]int64{int64(m.Entry), m.Ms}
		}
		b.line(map[string]any{"times": map[string]any{"run": run, "role": role, "at": at}})
	}()
	b.line(map[string]any{"trace": map[string]any{"run": run, "role": role, "agent": agent}})
	if t == nil {
		return
	}
	if err := t.WriteJSONL(&b.buf); err != nil {
		b.line(map[string]any{"trace_error": err.Error()})
	}
}

// Outcome records a run's outcome: status "ok" or "failed" with its fault.
func (b *Writer) Outcome(run, status, fault string, finishedMs int64, steps uint64) {
	b.line(map[string]any{"outcome": map[string]any{"run": run, "status": status, "fault": fault,
		"finished_ms": finishedMs, "steps": steps}})
}

// End closes the bundle with the virtual time the simulation ended at.
func (b *Writer) End(virtualMs int64) {
	b.line(map[string]any{"end": map[string]any{"virtual_ms": virtualMs}})
}

// Bytes is the bundle's JSON Lines encoding.
func (b *Writer) Bytes() []byte { return b.buf.Bytes() }

// WriteTo writes the bundle.
func (b *Writer) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(b.buf.Bytes())
	return int64(n), err
}

// Hash is BLAKE3-256 of the bundle's bytes, printed as hex (Hash).
func (b *Writer) Hash() string { return Hash(b.buf.Bytes()) }

// Hash is a trace bundle's hash: BLAKE3-256 of its bytes, as hex. It is
// the one hash of a bundle, whether written (Writer.Hash) or read back
// (Bundle.Hash).
func Hash(raw []byte) string {
	sum := blake3.Sum256(raw)
	return fmt.Sprintf("%x", sum)
}
