package reactive

import (
	"context"
	"errors"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

func register(t *testing.T, p *Pipeline, def effects.Value, replace bool) (effects.Value, error) {
	t.Helper()
	d, err := ParseDefinition(def)
	if err != nil {
		t.Fatalf("definition %v: %v", def, err)
	}
	return p.Register(t.Context(), d, replace)
}

// Registration: the same definition twice is a no-op, another under a
// taken name a conflict unless replace, an unknown input not_found, a
// cycle invalid_args that changes nothing, past MaxSignals exhausted.
func TestRegisterRefusals(t *testing.T) {
	p, _ := started(t, Config{MaxSignals: 4})
	mustRegister(t, p, m("name", "a", "emit", true, "initial", 1))
	mustRegister(t, p, m("name", "b", "map", "a", "fn", "present"))
	mustRegister(t, p, m("name", "c", "map", "b", "fn", "not"))
	if v := mustRegister(t, p, m("name", "a", "emit", true, "initial", 1)); !v.Equal(effects.Int(1)) {
		t.Fatalf("registering the same definition again: %v", v)
	}
	tests := []struct {
		name    string
		def     effects.Value
		replace bool
		code    effects.Code
	}{
		{"another definition under a taken name", m("name", "a", "emit", true, "initial", 2), false, effects.CodeConflict},
		{"an unknown input", m("name", "d", "map", "zz", "fn", "len"), false, effects.CodeNotFound},
		{"an unknown input of a combine", m("name", "d", "combine", []string{"a", "zz"}), false, effects.CodeNotFound},
		{"a cycle through a replaced signal", m("name", "a", "map", "c", "fn", "not"), true, effects.CodeInvalidArgs},
	}
	for _, tc := range tests {
		_, err := register(t, p, tc.def, tc.replace)
		wantCode(t, err, tc.code, tc.name)
	}
	// The refused cycle changed nothing: a is still the emit signal.
	if err := p.Emit("a", effects.Null()); err != nil {
		t.Fatalf("a after the refused cycle: %v", err)
	}
	if v := mustRead(t, p, "c"); !v.Equal(effects.Bool(true)) {
		t.Fatalf("c = %v after a became null, want true", v)
	}
	mustRegister(t, p, m("name", "d", "emit", true))
	_, err := register(t, p, m("name", "e", "emit", true), false)
	wantCode(t, err, effects.CodeExhausted, "a fifth signal past MaxSignals = 4")
	// Replacing keeps the subscribers and recomputes what derives from it.
	sub, _ := p.Subscribe("c")
	recv(t, sub)
	if _, err := register(t, p, m("name", "a", "emit", true, "initial", 7), true); err != nil {
		t.Fatal(err)
	}
	if v := recv(t, sub); !v.Equal(effects.Bool(false)) {
		t.Fatalf("c after a was replaced by a present value: %v", v)
	}
}

// Only an application signal can be emitted to; an unknown signal is
// not_found; a value too large is refused.
func TestEmitRefusals(t *testing.T) {
	p, _ := started(t, Config{})
	mustRegister(t, p, m("name", "src", "source", m("predicate", "p"), "reduce", "count"))
	mustRegister(t, p, m("name", "app", "emit", true))
	mustRegister(t, p, m("name", "der", "map", "app", "fn", "present"))
	tests := []struct {
		signal string
		value  effects.Value
		code   effects.Code
	}{
		{"src", effects.Int(99), effects.CodeDenied},
		{"der", effects.Bool(false), effects.CodeDenied},
		{"nope", effects.Int(1), effects.CodeNotFound},
		{"app", effects.Bytes(make([]byte, MaxValueBytes)), effects.CodeInvalidArgs},
	}
	for _, tc := range tests {
		wantCode(t, p.Emit(tc.signal, tc.value), tc.code, "emit to "+tc.signal)
	}
	if v := mustRead(t, p, "src"); !v.Equal(effects.Int(0)) {
		t.Fatalf("a refused emit changed src: %v", v)
	}
}

// A source signal starts from the facts the journal already holds, read
// through the narrowest index; a fact read back and also offered counts
// once; a journal that fails the read leaves no signal behind.
func TestRegisterReadsTheJournalBack(t *testing.T) {
	old := fact("p", "alice", 1, effects.Null())
	var asked []effects.OpID
	fail := false
	journal := func(_ context.Context, op effects.OpID, args effects.Value) (effects.Value, error) {
		asked = append(asked, op)
		if fail {
			return effects.Value{}, &effects.Error{Code: effects.CodeUnavailable, Message: "journal down"}
		}
		if op == effects.JournalGetJournal {
			return effects.List(old, fact("q", "bob", 1, effects.Null())), nil
		}
		return effects.List(old), nil
	}
	p, _ := started(t, Config{Journal: journal})
	p.Offer(appendCommit(old)) // also committed "now": counted once
	if v := mustRegister(t, p, m("name", "n", "source", m("predicate", "p"), "reduce", "count")); !v.Equal(effects.Int(1)) {
		t.Fatalf("n starts at %v, want 1", v)
	}
	mustRegister(t, p, m("name", "t", "source", m("type", "test"), "reduce", "count"))
	mustRegister(t, p, m("name", "a", "source", m("authority", "alice"), "reduce", "count"))
	if v := mustRegister(t, p, m("name", "all", "source", m(), "reduce", "count")); !v.Equal(effects.Int(2)) {
		t.Fatalf("all starts at %v, want 2", v)
	}
	mustRegister(t, p, m("name", "app", "emit", true))
	want := []effects.OpID{effects.JournalFactsByPredicate, effects.JournalFactsByType, effects.JournalFactsByAuthority, effects.JournalGetJournal}
	if len(asked) != len(want) {
		t.Fatalf("journal reads %v, want %v", asked, want)
	}
	for i := range want {
		if asked[i] != want[i] {
			t.Fatalf("journal reads %v, want %v", asked, want)
		}
	}
	if v := mustRead(t, p, "n"); !v.Equal(effects.Int(1)) {
		t.Fatalf("n = %v once the offered duplicate is reduced, want 1", v)
	}
	fail = true
	_, err := register(t, p, m("name", "lost", "source", m("predicate", "p"), "reduce", "count"), false)
	wantCode(t, err, effects.CodeUnavailable, "a failed read back")
	if _, err := p.Read(t.Context(), "lost"); !errors.Is(err, effects.ErrNotFound) {
		t.Fatalf("the signal whose read back failed is still there: %v", err)
	}
	_, err = register(t, p, m("name", "n", "source", m("predicate", "p"), "reduce", "ids"), true)
	wantCode(t, err, effects.CodeUnavailable, "a failed read back on replace")
	if v := mustRead(t, p, "n"); !v.Equal(effects.Int(1)) {
		t.Fatalf("n = %v after a failed replace, want the count it had", v)
	}
}

// The operations: register, read, emit and list through Invoke; bad
// arguments are invalid_args; a stopped pipeline is unavailable.
func TestOperations(t *testing.T) {
	p, _ := started(t, Config{})
	call := func(op effects.OpID, args effects.Value) (effects.Value, error) {
		return p.Invoke(t.Context(), &effects.Call{Op: op, Args: args})
	}
	def := m("name", "x", "emit", true, "initial", 1)
	if v, err := call(effects.ReactiveRegister, m("definition", def)); err != nil || !v.Equal(effects.Int(1)) {
		t.Fatalf("register: %v, %v", v, err)
	}
	if _, err := call(effects.ReactiveRegister, m("definition", m("name", "x", "emit", true), "replace", true)); err != nil {
		t.Fatal(err)
	}
	if _, err := call(effects.ReactiveEmit, m("signal", "x", "value", 5)); err != nil {
		t.Fatal(err)
	}
	if v, err := call(effects.ReactiveRead, m("signal", "x")); err != nil || !v.Equal(effects.Int(5)) {
		t.Fatalf("read: %v, %v", v, err)
	}
	list, err := call(effects.ReactiveList, effects.Null())
	want := effects.List(m("name", "x", "kind", "emit", "definition", m("name", "x", "emit", true), "subscribers", 0))
	if err != nil || !list.Equal(want) {
		t.Fatalf("list: %v, %v\nwant %v", list, err, want)
	}
	for _, tc := range []struct {
		op   effects.OpID
		args effects.Value
		code effects.Code
	}{
		{effects.ReactiveRegister, m("definition", m("name", "y")), effects.CodeInvalidArgs},
		{effects.ReactiveRead, m("signal", 3), effects.CodeInvalidArgs},
		{effects.ReactiveEmit, m("value", 3), effects.CodeInvalidArgs},
		{effects.ReactiveRead, m("signal", "y"), effects.CodeNotFound},
		{"reactive.subscribe", effects.Null(), effects.CodeUnknownOp},
	} {
		_, err := call(tc.op, tc.args)
		wantCode(t, err, tc.code, string(tc.op))
	}
	if err := p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err = call(effects.ReactiveRead, m("signal", "x"))
	wantCode(t, err, effects.CodeUnavailable, "read after stop")
	_, err = call(effects.ReactiveEmit, m("signal", "x", "value", 1))
	wantCode(t, err, effects.CodeUnavailable, "emit after stop")
}
