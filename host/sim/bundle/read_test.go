package bundle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/trace"
)

// TestReadChecked: a written bundle reads back; one with an altered trace
// line is an error naming the file, the line and trace replay.
func TestReadChecked(t *testing.T) {
	t.Parallel()
	w := NewWriter("demo", 7, nil)
	w.Trace("r", "A", "alice", &trace.Trace{
		Header: trace.Header{Format: trace.Format, Protocol: "P", Granularity: policy.Full, SessionText: "session-" + strings.Repeat("ab", 16)},
		Entries: []trace.Entry{
			{OrderingKey: 1, EffectID: 1, Role: "A", Operation: "x", Inputs: effects.Int(1), Outputs: effects.Int(2)},
			{OrderingKey: 2, EffectID: 2, Role: "A", Operation: "y", Inputs: effects.Int(3), Outputs: effects.Int(4)},
		}})
	w.Outcome("r", "ok", "", 10, 2)
	w.End(10)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.jsonl")
	os.WriteFile(good, w.Bytes(), 0o600)
	b, err := ReadChecked(good)
	if err != nil || len(b.Traces) != 1 || b.Header.Seed != 7 {
		t.Fatalf("ReadChecked(good) = %v, %v", b, err)
	}
	altered := filepath.Join(dir, "altered.jsonl")
	os.WriteFile(altered, []byte(strings.Replace(string(w.Bytes()), `"operation":"y"`, `"operation":"z"`, 1)), 0o600)
	_, err = ReadChecked(altered)
	if err == nil || !strings.HasPrefix(err.Error(), altered+": line ") || !strings.HasSuffix(err.Error(), "; `aura-host trace replay "+altered+"` names it") {
		t.Errorf("altered: %v", err)
	}
	if _, err := ReadChecked(filepath.Join(dir, "missing.jsonl")); err == nil {
		t.Error("a missing file read")
	}
}
