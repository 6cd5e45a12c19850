package trace

import (
	"slices"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

// keyEntries are two keygen results: b's differs from a's in three fields
// of its outputs (the public key, the private key, the counter).
func keyEntries() (a, b []Entry) {
	key := func(public, private byte, n int64) effects.Value {
		return effects.Map(map[string]effects.Value{
			"public": effects.Bytes([]byte{public, 1, 2, 3}), "private": effects.Bytes([]byte{private, 0xde, 0xad, 0xbe, 0xef}),
			"n": effects.Int(n), "algorithm": effects.String("ed25519")})
	}
	entry := func(k effects.Value) Entry {
		return Entry{OrderingKey: 1, EffectID: 1, Kind: KindInvoke, Role: "A", Interface: "crypto", Operation: "crypto.ed25519_generate", Outputs: k}
	}
	a = []Entry{entry(key(1, 1, 1)), entry(key(2, 2, 2)), entry(key(3, 3, 3)), entry(key(4, 4, 4))}
	b = []Entry{entry(key(9, 9, 9)), entry(key(2, 2, 2)), entry(key(3, 3, 4)), entry(key(4, 4, 4)), entry(key(5, 5, 5))}
	return a, b
}

// Every field that differs at the first divergence is listed, not only
// the first path inside outputs, and the entries that differ after it are
// counted.
func TestCompareListsEveryDifferingField(t *testing.T) {
	ea, eb := keyEntries()
	d := Compare(&Trace{Entries: ea}, &Trace{Entries: eb})
	if d.At != 0 {
		t.Fatalf("At = %d, want 0", d.At)
	}
	var fields []string
	for _, f := range d.Fields {
		fields = append(fields, f.Field)
	}
	if want := []string{"outputs.n", "outputs.private", "outputs.public"}; !slices.Equal(fields, want) {
		t.Fatalf("fields %q, want %q", fields, want)
	}
	if d.More != 2 { // index 2 differs, and index 4 is only in b
		t.Fatalf("More = %d, want 2", d.More)
	}
}
