package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/policy"
)

// BundleFormat names the trace bundle's JSON Lines format.
const BundleFormat = "aura-sim-bundle/v1"

// TraceBundle is a simulation's record, as JSON Lines: a header (format,
// deployment, seed, determinism profile), every fault change applied with
// its virtual time, then for each run and role the machine's own trace
// (vm's JSON Lines, introduced by a {"trace":...} line), and last each
// run's outcome. Nothing in it depends on wall-clock time or scheduling,
// so the same deployment and seed give the same bytes.
type TraceBundle struct {
	buf bytes.Buffer
}

func newTraceBundle(dep *config.Deployment, seed uint64, g policy.Granularity) *TraceBundle {
	b := &TraceBundle{}
	b.line(map[string]any{"format": BundleFormat, "deployment": dep.Name, "seed": seed,
		"profile": map[string]any{"mode": string(effects.Simulation), "granularity": string(g),
			"retransmit_ms": DefaultRetransmitMs, "shared": SharedBuiltins}})
	return b
}

func (b *TraceBundle) line(v any) {
	out, err := json.Marshal(v) // map keys sort: deterministic
	if err != nil {
		panic(err) // only plain values are written
	}
	b.buf.Write(out)
	b.buf.WriteByte('\n')
}

func (b *TraceBundle) addFault(now int64, f *scheduledFault, detail string) {
	phase := "end"
	if f.start {
		phase = "start"
	}
	b.line(map[string]any{"fault": map[string]any{"at_ms": now, "kind": f.kind, "phase": phase, "detail": detail}})
}

func (b *TraceBundle) addRun(r *simRun) {
	for _, sm := range r.machines {
		b.line(map[string]any{"trace": map[string]any{"run": r.decl.Name, "role": sm.role, "agent": sm.agent.name}})
		t := sm.m.Trace()
		if t == nil { // tracing disabled
			continue
		}
		if err := t.WriteJSONL(&b.buf); err != nil {
			b.line(map[string]any{"trace_error": err.Error()})
		}
	}
}

func (b *TraceBundle) finish(o *Outcome) {
	for _, r := range o.Runs {
		status, fault := "ok", ""
		if r.Err != nil {
			status, fault = "failed", r.Err.Error()
		}
		b.line(map[string]any{"outcome": map[string]any{"run": r.Name, "status": status, "fault": fault,
			"finished_ms": r.FinishedMs, "steps": r.Steps}})
	}
	b.line(map[string]any{"end": map[string]any{"virtual_ms": o.VirtualMs}})
}

// Bytes is the bundle's JSON Lines encoding.
func (b *TraceBundle) Bytes() []byte { return b.buf.Bytes() }

// WriteTo writes the bundle.
func (b *TraceBundle) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(b.buf.Bytes())
	return int64(n), err
}

// Hash is BLAKE3-256 of the bundle's bytes, printed as hex (HashBundle).
func (b *TraceBundle) Hash() string { return HashBundle(b.buf.Bytes()) }

// HashBundle is a trace bundle's hash: BLAKE3-256 of its bytes, as hex.
// It is the one hash of a bundle, whether written (TraceBundle.Hash) or
// read back (Bundle.Hash).
func HashBundle(raw []byte) string {
	sum := blake3.Sum256(raw)
	return fmt.Sprintf("%x", sum)
}
