package trace

import (
	"bytes"
	"fmt"
	"maps"
	"slices"

	"github.com/aurahost/aura-host/effects"
)

// Diff is the comparison of two traces: the header fields that differ,
// and where the entries first diverge. The hash, and so "identical",
// covers the entries only; headers differ between runs of different
// seeds or sessions that did the same thing.
type Diff struct {
	// Header lists the header fields that differ, with both values
	// ("seed: 1 vs 2").
	Header []string
	// At is the first index where the entries differ, or -1 when they are
	// identical. It equals the length of the shorter trace when that one
	// is a prefix of the other.
	At int
	// Fields are the fields of the entries at At that differ, when both
	// traces have an entry there: every one, and inside inputs and
	// outputs every path to a difference.
	Fields []FieldDiff
	// More counts the entries after At that differ too: those at the same
	// index in both traces whose encodings differ, and those only the
	// longer trace has.
	More int
}

// Identical reports whether the traces' entries are the same.
func (d *Diff) Identical() bool { return d.At < 0 }

// FieldDiff is one field that differs between two entries. Field names
// it, down to the path of the first difference inside a value
// ("outputs.shares[1].public"); A and B are the two sides there. Numbers
// are Uint values and strings String values; the error field is
// "code: message", or "none" for a success. An absent map key is null.
type FieldDiff struct {
	Field string
	A, B  effects.Value
}

// Compare compares two traces.
func Compare(a, b *Trace) *Diff {
	d := &Diff{Header: HeaderDiffs(&a.Header, &b.Header), At: FirstDivergence(a.Entries, b.Entries)}
	if d.At >= 0 && d.At < len(a.Entries) && d.At < len(b.Entries) {
		d.Fields = EntryDiffs(&a.Entries[d.At], &b.Entries[d.At])
	}
	if d.At >= 0 {
		d.More = countDiffering(a.Entries, b.Entries, d.At+1)
	}
	return d
}

// countDiffering counts the entries from index from on that differ.
func countDiffering(a, b []Entry, from int) int {
	n := max(len(a), len(b)) - min(len(a), len(b))
	var ba, bb []byte
	for i := from; i < min(len(a), len(b)); i++ {
		ba = a[i].Value().AppendCanonical(ba[:0])
		bb = b[i].Value().AppendCanonical(bb[:0])
		if !bytes.Equal(ba, bb) {
			n++
		}
	}
	if from > min(len(a), len(b)) {
		n -= from - min(len(a), len(b))
	}
	return max(n, 0)
}

// FirstDivergence is the first index where the entries differ, as their
// canonical encodings (what the hash covers) tell; -1 if none.
func FirstDivergence(a, b []Entry) int {
	var ba, bb []byte
	for i := range min(len(a), len(b)) {
		ba = a[i].Value().AppendCanonical(ba[:0])
		bb = b[i].Value().AppendCanonical(bb[:0])
		if !bytes.Equal(ba, bb) {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// EntryDiffs lists the fields of two entries that differ, in the order
// of the entry's JSON form; for inputs and outputs, the path to every
// difference inside them (ValueDiffs).
func EntryDiffs(a, b *Entry) []FieldDiff {
	var out []FieldDiff
	str := func(field, x, y string) {
		if x != y {
			out = append(out, FieldDiff{field, effects.String(x), effects.String(y)})
		}
	}
	num := func(field string, x, y uint64) {
		if x != y {
			out = append(out, FieldDiff{field, effects.Uint(x), effects.Uint(y)})
		}
	}
	num("ordering_key", a.OrderingKey, b.OrderingKey)
	num("effect_id", a.EffectID, b.EffectID)
	str("kind", string(a.Kind), string(b.Kind))
	str("role", a.Role, b.Role)
	str("peer", a.Peer, b.Peer)
	str("interface", a.Interface, b.Interface)
	str("operation", a.Operation, b.Operation)
	str("handler", a.Handler, b.Handler)
	for _, v := range []struct {
		field string
		x, y  effects.Value
	}{{"inputs", a.Inputs, b.Inputs}, {"outputs", a.Outputs, b.Outputs}} {
		out = append(out, ValueDiffs(v.field, v.x, v.y)...)
	}
	str("error", errorText(a.Error), errorText(b.Error))
	return out
}

func errorText(e *EntryError) string {
	if e == nil {
		return "none"
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// ValueDiffs finds every place two values differ, in key and index order:
// the path to each from path (outputs.shares[1].public, outputs.private)
// and both values there. Maps are compared key by key (an absent key is
// null on its side), lists of the same length item by item; anything else
// that differs is one difference at path.
func ValueDiffs(path string, x, y effects.Value) []FieldDiff {
	var out []FieldDiff
	valueDiffs(path, x, y, &out)
	return out
}

func valueDiffs(path string, x, y effects.Value, out *[]FieldDiff) {
	if x.Equal(y) {
		return
	}
	switch {
	case x.Kind() == effects.KindMap && y.Kind() == effects.KindMap:
		keys := map[string]bool{}
		for _, f := range x.Fields() {
			keys[f.Key] = true
		}
		for _, f := range y.Fields() {
			keys[f.Key] = true
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			vx, okx := x.Get(k)
			vy, oky := y.Get(k)
			if okx != oky {
				*out = append(*out, FieldDiff{path + "." + k, vx, vy}) // the absent side is null
				continue
			}
			valueDiffs(path+"."+k, vx, vy, out)
		}
		return
	case x.Kind() == effects.KindList && y.Kind() == effects.KindList && x.Len() == y.Len():
		xs, ys := x.Items(), y.Items()
		for i := range xs {
			valueDiffs(fmt.Sprintf("%s[%d]", path, i), xs[i], ys[i], out)
		}
		return
	}
	*out = append(*out, FieldDiff{path, x, y})
}

// ValueDiff finds the first place two values differ: the path to it from
// path (outputs.shares[1].public) and the values there; ok is false when
// they are equal.
func ValueDiff(path string, x, y effects.Value) (at string, xv, yv effects.Value, ok bool) {
	if x.Equal(y) {
		return "", x, y, false
	}
	switch {
	case x.Kind() == effects.KindMap && y.Kind() == effects.KindMap:
		keys := map[string]bool{}
		for _, f := range x.Fields() {
			keys[f.Key] = true
		}
		for _, f := range y.Fields() {
			keys[f.Key] = true
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			vx, okx := x.Get(k)
			vy, oky := y.Get(k)
			if okx != oky {
				return path + "." + k, vx, vy, true // the absent side is null
			}
			if p, a, b, ok := ValueDiff(path+"."+k, vx, vy); ok {
				return p, a, b, true
			}
		}
	case x.Kind() == effects.KindList && y.Kind() == effects.KindList && x.Len() == y.Len():
		xs, ys := x.Items(), y.Items()
		for i := range xs {
			if p, a, b, ok := ValueDiff(fmt.Sprintf("%s[%d]", path, i), xs[i], ys[i]); ok {
				return p, a, b, true
			}
		}
	}
	return path, x, y, true
}

// HeaderDiffs lists the header fields that differ, with both values
// ("seed: 1 vs 2"); for the protocol's source, only that it differs.
func HeaderDiffs(a, b *Header) []string {
	var out []string
	add := func(field string, x, y any) {
		if fmt.Sprint(x) != fmt.Sprint(y) {
			out = append(out, fmt.Sprintf("%s: %v vs %v", field, x, y))
		}
	}
	add("protocol", a.Protocol, b.Protocol)
	add("roles", a.Roles, b.Roles)
	add("session", a.SessionText, b.SessionText)
	add("scheduler", a.Scheduler, b.Scheduler)
	add("quantum", a.Quantum, b.Quantum)
	add("capacity", a.Capacity, b.Capacity)
	add("budget", a.Budget, b.Budget)
	add("granularity", a.Granularity, b.Granularity)
	add("seed", a.Seed, b.Seed)
	add("priorities", a.Priorities, b.Priorities)
	add("protocol_file", a.ProtocolFile, b.ProtocolFile)
	if a.ProtocolSource != b.ProtocolSource {
		out = append(out, "protocol_source: the protocols' sources differ")
	}
	return out
}
