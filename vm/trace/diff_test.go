package trace

import (
	"slices"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

func diffEntries() []Entry {
	out := effects.Map(map[string]effects.Value{
		"shares": effects.List(effects.Map(map[string]effects.Value{"public": effects.Bytes([]byte{1})}), effects.Map(map[string]effects.Value{"public": effects.Bytes([]byte{2})})),
	})
	return []Entry{
		{OrderingKey: 1, EffectID: 0, Kind: KindDecide, Role: "A", Peer: "B", Interface: InterfaceHost, Inputs: effects.List(effects.String("x")), Outputs: effects.String("x")},
		{OrderingKey: 2, EffectID: 1, Kind: KindInvoke, Role: "A", Interface: "crypto", Operation: "crypto.dkg", Inputs: effects.Null(), Outputs: out},
	}
}

func TestCompareIdenticalAndPrefix(t *testing.T) {
	a := &Trace{Header: Header{Seed: 1}, Entries: diffEntries()}
	b := &Trace{Header: Header{Seed: 2}, Entries: diffEntries()}
	d := Compare(a, b)
	if !d.Identical() || d.At != -1 || len(d.Fields) != 0 {
		t.Fatalf("identical entries: %+v", d)
	}
	if !slices.Equal(d.Header, []string{"seed: 1 vs 2"}) {
		t.Errorf("header diffs %q", d.Header)
	}
	b.Entries = b.Entries[:1]
	if d := Compare(a, b); d.At != 1 || d.Fields != nil {
		t.Errorf("a prefix diverges where it ends: %+v", d)
	}
}

func TestCompareFindsThePathInsideAValue(t *testing.T) {
	a := &Trace{Entries: diffEntries()}
	b := &Trace{Entries: diffEntries()}
	b.Entries[1].Outputs = effects.Map(map[string]effects.Value{
		"shares": effects.List(effects.Map(map[string]effects.Value{"public": effects.Bytes([]byte{1})}), effects.Map(map[string]effects.Value{"public": effects.Bytes([]byte{3})})),
	})
	b.Entries[1].Role = "B"
	b.Entries[1].Error = &EntryError{Code: effects.CodeDenied, Message: "no"}
	d := Compare(a, b)
	if d.At != 1 {
		t.Fatalf("At = %d, want 1", d.At)
	}
	var fields []string
	for _, f := range d.Fields {
		fields = append(fields, f.Field)
	}
	if want := []string{"role", "outputs.shares[1].public", "error"}; !slices.Equal(fields, want) {
		t.Fatalf("fields %q, want %q", fields, want)
	}
	if got, _ := d.Fields[1].B.AsBytes(); len(got) != 1 || got[0] != 3 {
		t.Errorf("B side of the value diff: %s", d.Fields[1].B)
	}
	if s, _ := d.Fields[2].A.AsString(); s != "none" {
		t.Errorf("A error %q, want none", s)
	}
	if s, _ := d.Fields[2].B.AsString(); s != "denied: no" {
		t.Errorf("B error %q", s)
	}
}

func TestValueDiffAbsentKey(t *testing.T) {
	x := effects.Map(map[string]effects.Value{"a": effects.Int(1)})
	y := effects.Map(map[string]effects.Value{"a": effects.Int(1), "b": effects.Int(2)})
	path, xv, yv, ok := ValueDiff("outputs", x, y)
	if !ok || path != "outputs.b" || !xv.IsNull() || !yv.Equal(effects.Int(2)) {
		t.Errorf("ValueDiff = %s %s %s %v", path, xv, yv, ok)
	}
	if _, _, _, ok := ValueDiff("outputs", x, x); ok {
		t.Error("equal values differ")
	}
}
