package reactive

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

// Each reduction, over facts offered in one order and in the reverse
// order, duplicates included, gives the same value: a function of the
// set of matching facts.
func TestReductions(t *testing.T) {
	facts := []effects.Value{
		fact("paid", "alice", 10, intBody("amount", 5)),
		fact("paid", "bob", 30, intBody("amount", 7)),
		fact("paid", "alice", 20, intBody("amount", -2)),
		fact("paid", "alice", 20, intBody("other", 1)), // no amount: adds 0
		fact("refunded", "alice", 40, intBody("amount", 100)),
	}
	ids := func(idx ...int) effects.Value {
		var out [][]byte
		for _, i := range idx {
			out = append(out, factID(facts[i]))
		}
		slices.SortFunc(out, bytes.Compare)
		items := make([]effects.Value, len(out))
		for i, b := range out {
			items[i] = effects.Bytes(b)
		}
		return effects.List(items...)
	}
	tests := []struct {
		name string
		def  effects.Value
		want effects.Value
	}{
		{"count by predicate", m("name", "s", "source", m("predicate", "paid"), "reduce", "count"), effects.Int(4)},
		{"count by predicate and authority", m("name", "s", "source", m("predicate", "paid", "authority", "alice"), "reduce", "count"), effects.Int(3)},
		{"count by type", m("name", "s", "source", m("type", "test"), "reduce", "count"), effects.Int(5)},
		{"an authority as bytes is not the same string", m("name", "s", "source", m("authority", effects.Bytes([]byte("alice"))), "reduce", "count"), effects.Int(0)},
		{"sum of an int field", m("name", "s", "source", m("predicate", "paid"), "reduce", "sum", "field", "amount"), effects.Int(10)},
		{"latest is the greatest time", m("name", "s", "source", m("predicate", "paid"), "reduce", "latest"), intBody("amount", 7)},
		{"latest by authority", m("name", "s", "source", m("authority", "alice"), "reduce", "latest"), intBody("amount", 100)},
		{"ids, sorted", m("name", "s", "source", m("predicate", "paid", "authority", "alice"), "reduce", "ids"), ids(0, 2, 3)},
		{"nothing matches", m("name", "s", "source", m("predicate", "none"), "reduce", "latest"), effects.Null()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, order := range []string{"forward", "reverse, each twice"} {
				p, _ := started(t, Config{})
				mustRegister(t, p, tc.def)
				in := slices.Clone(facts)
				if order != "forward" {
					slices.Reverse(in)
					in = append(in, in...)
				}
				for _, f := range in {
					p.Offer(appendCommit(f))
				}
				if v := mustRead(t, p, "s"); !v.Equal(tc.want) {
					t.Errorf("%s: %v, want %v", order, v, tc.want)
				}
			}
		})
	}
	// Two facts at the same time: the greater ID is the newest, whatever
	// the order.
	a, b := fact("p", "x", 5, effects.String("a")), fact("p", "x", 5, effects.String("b"))
	want := effects.String("a")
	if bytes.Compare(factID(b), factID(a)) > 0 {
		want = effects.String("b")
	}
	for _, order := range [][]effects.Value{{a, b}, {b, a}} {
		p, _ := started(t, Config{})
		mustRegister(t, p, m("name", "s", "source", m("predicate", "p"), "reduce", "latest"))
		p.Offer(appendCommit(order[0]))
		p.Offer(appendCommit(order[1]))
		if v := mustRead(t, p, "s"); !v.Equal(want) {
			t.Errorf("tie on time: %v, want %v", v, want)
		}
	}
}

func TestSumSaturates(t *testing.T) {
	p, _ := started(t, Config{})
	mustRegister(t, p, m("name", "s", "source", m("predicate", "p"), "reduce", "sum", "field", "n"))
	p.Offer(appendCommit(fact("p", "a", 1, intBody("n", math.MaxInt64))))
	p.Offer(appendCommit(fact("p", "a", 2, intBody("n", 1))))
	if v := mustRead(t, p, "s"); !v.Equal(effects.Int(math.MaxInt64)) {
		t.Fatalf("sum = %v, want it saturated at MaxInt64", v)
	}
}

// Derived signals follow their inputs, in order, each change delivered.
func TestDerivedSignals(t *testing.T) {
	p, _ := started(t, Config{})
	mustRegister(t, p, m("name", "x", "emit", true, "initial", m("n", 1, "tags", []string{"a"})))
	mustRegister(t, p, m("name", "on", "emit", true, "initial", false))
	derived := []struct {
		def     effects.Value
		initial effects.Value
	}{
		{m("name", "n", "map", "x", "fn", "field", "field", "n"), effects.Int(1)},
		{m("name", "tags", "map", "x", "fn", "field", "field", "tags"), effects.List(effects.String("a"))},
		{m("name", "ntags", "map", "tags", "fn", "len"), effects.Int(1)},
		{m("name", "off", "map", "on", "fn", "not"), effects.Bool(true)},
		{m("name", "has_n", "map", "n", "fn", "present"), effects.Bool(true)},
		{m("name", "big", "filter", "x", "match", m("op", "ge", "value", 10, "field", "n")), effects.Null()},
		{m("name", "all", "combine", []string{"n", "off"}), m("n", 1, "off", true)},
	}
	for _, d := range derived {
		if v := mustRegister(t, p, d.def); !v.Equal(d.initial) {
			t.Fatalf("%v starts as %v, want %v", d.def, v, d.initial)
		}
	}
	all, _ := p.Subscribe("all")
	big, _ := p.Subscribe("big")
	recv(t, all)
	recv(t, big)
	steps := []struct {
		signal string
		value  effects.Value
		want   map[string]effects.Value
	}{
		{"x", m("n", 12, "tags", []string{"a", "b"}), map[string]effects.Value{
			"n": effects.Int(12), "ntags": effects.Int(2), "big": m("n", 12, "tags", []string{"a", "b"}), "all": m("n", 12, "off", true)}},
		{"x", m("n", 3), map[string]effects.Value{ // below the filter: big keeps its last match
			"n": effects.Int(3), "ntags": effects.Int(0), "has_n": effects.Bool(true), "big": m("n", 12, "tags", []string{"a", "b"})}},
		{"x", m("tags", []string{}), map[string]effects.Value{"n": effects.Null(), "has_n": effects.Bool(false)}},
		{"on", effects.Bool(true), map[string]effects.Value{"off": effects.Bool(false), "all": m("n", effects.Null(), "off", false)}},
	}
	for i, s := range steps {
		if err := p.Emit(s.signal, s.value); err != nil {
			t.Fatal(err)
		}
		for name, want := range s.want {
			if v := mustRead(t, p, name); !v.Equal(want) {
				t.Errorf("step %d: %s = %v, want %v", i, name, v, want)
			}
		}
	}
	if v := recv(t, all); !v.Equal(m("n", effects.Null(), "off", false)) {
		t.Errorf("all's subscriber got %v", v)
	}
	if v := recv(t, big); !v.Equal(m("n", 12, "tags", []string{"a", "b"})) {
		t.Errorf("big's subscriber got %v", v)
	}
	none(t, big) // the non-matching values were never emitted by the filter
}

// Filters compare ints, uints and strings; values of other or mixed kinds
// never order.
func TestMatch(t *testing.T) {
	tests := []struct {
		m    Match
		v    effects.Value
		want bool
	}{
		{Match{Op: OpEq, Value: effects.Int(1)}, effects.Int(1), true},
		{Match{Op: OpEq, Value: effects.Int(1)}, effects.Uint(1), false},
		{Match{Op: OpNe, Value: effects.Int(1)}, effects.Null(), true},
		{Match{Op: OpLt, Value: effects.Int(1)}, effects.Int(-5), true},
		{Match{Op: OpLe, Value: effects.Uint(1)}, effects.Uint(1), true},
		{Match{Op: OpGt, Value: effects.String("b")}, effects.String("c"), true},
		{Match{Op: OpGe, Value: effects.Int(1)}, effects.String("2"), false},
		{Match{Op: OpGt, Value: effects.Bytes([]byte{1})}, effects.Bytes([]byte{2}), false},
		{Match{Op: OpPresent, Field: "a"}, m("a", 1), true},
		{Match{Op: OpAbsent, Field: "a"}, m("b", 1), true},
		{Match{Op: OpAbsent, Field: "a"}, effects.Int(3), true},
	}
	for _, tc := range tests {
		if got := tc.m.matches(tc.v); got != tc.want {
			t.Errorf("%+v on %v = %v, want %v", tc.m, tc.v, got, tc.want)
		}
	}
}
