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

// keyBundle is a bundle whose one machine generated keys; seed picks the
// first key's bytes and counter, last the third's counter.
func keyBundle(t *testing.T, seed byte, last int64) *Bundle {
	t.Helper()
	key := func(index uint64, public, private byte, n int64) trace.Entry {
		return trace.Entry{OrderingKey: index, EffectID: 1, Role: "A", Operation: "crypto.ed25519_generate",
			Outputs: effects.Map(map[string]effects.Value{
				"public":  effects.Bytes([]byte{public, 1, 2, 3}),
				"private": effects.Bytes([]byte{private, 0xde, 0xad, 0xbe, 0xef}),
				"n":       effects.Int(n)})}
	}
	w := NewWriter("demo", 7, nil)
	w.Trace("r", "A", "alice", &trace.Trace{
		Header:  trace.Header{Format: trace.Format, Protocol: "P", Granularity: policy.Full, SessionText: "session-" + strings.Repeat("ab", 16)},
		Entries: []trace.Entry{key(1, seed, seed, int64(seed)), key(2, 2, 2, 20), key(3, 3, 3, last)}})
	w.Outcome("r", "ok", "", 10, 3)
	w.End(10)
	file := filepath.Join(t.TempDir(), "b.jsonl")
	if err := os.WriteFile(file, w.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := ReadChecked(file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Two bundles whose first diverging entry differs in three fields show all
// three, say how many more lines differ, and never print a byte of a
// private key — neither in the fields nor in the lines of context.
func TestBundleDiffShowsEveryFieldAndHidesSecrets(t *testing.T) {
	a, b := keyBundle(t, 0xa1, 30), keyBundle(t, 0xb9, 31)
	var out strings.Builder
	if WriteDiff(&out, "a.jsonl", "b.jsonl", a, b, 3) {
		t.Fatal("different bundles reported identical")
	}
	text := out.String()
	for _, want := range []string{
		"fields that differ at line 4:",
		"outputs.map.n.int          A: \"161\"\n                             B: \"185\"",
		"outputs.map.private.bytes  A: (secret)\n                             B: (secret)",
		"outputs.map.public.bytes   A: \"a1010203\"\n                             B: \"b9010203\"",
		"1 more lines differ after line 4",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "deadbeef") {
		t.Errorf("output shows a private key:\n%s", text)
	}
	// A line of context shows no secret either, however wide it is shown.
	for i, line := range a.Lines {
		if got := redactedLine(line, 1<<20); strings.Contains(got, "deadbeef") {
			t.Errorf("line %d as shown: %s", i+1, got)
		}
	}
}
