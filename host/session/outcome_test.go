package session

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/trace"
)

// TestOutcomeRecord: the trace is written as JSON Lines that read back
// with the same hash, and Recorded names the file; without a trace, or
// where no file can be written, nothing is recorded.
func TestOutcomeRecord(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tr := &trace.Trace{Header: trace.Header{Format: trace.Format, Protocol: "P", Granularity: policy.Full,
		SessionText: "session-" + strings.Repeat("ab", 16)},
		Entries: []trace.Entry{{OrderingKey: 1, EffectID: 1, Role: "A", Operation: "x", Inputs: effects.Int(1), Outputs: effects.Int(2)}}}
	o := &Outcome{Trace: tr}
	path := filepath.Join(dir, "t.jsonl")
	if err := o.Record(path); err != nil || o.Recorded != path {
		t.Fatalf("Record: %v (Recorded %q)", err, o.Recorded)
	}
	got, err := ReadTraceFile(path)
	if err != nil || got.Hash() != tr.Hash() {
		t.Fatalf("read back: %v, %v", got, err)
	}
	none := &Outcome{}
	if err := none.Record(path); err == nil || !strings.Contains(err.Error(), "recorded no trace") || none.Recorded != "" {
		t.Errorf("no trace: %v (Recorded %q)", err, none.Recorded)
	}
	bad := &Outcome{Trace: tr}
	if err := bad.Record(filepath.Join(dir, "missing", "t.jsonl")); err == nil || bad.Recorded != "" {
		t.Errorf("unwritable path: %v (Recorded %q)", err, bad.Recorded)
	}
}
