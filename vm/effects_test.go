package vm

import (
	"context"
	"errors"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/policy"
)

type (
	otherKey struct{}
	hostKey  struct{}
)

// TestCallerThroughDerivedContexts checks the caller context behaves as
// context.WithValue would: a host that wraps it (a deadline, a span, a
// value of its own) still finds the caller, the parent's values and its
// cancellation still reach the host, and a context without a caller has
// none.
func TestCallerThroughDerivedContexts(t *testing.T) {
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), otherKey{}, "parent's"))
	want := Caller{Protocol: "p", Session: effects.SessionID{1}, Role: "A", PC: 3, Step: 9}
	ctx, stop := context.WithTimeout(WithCaller(parent, want), 1<<40)
	defer stop()
	ctx = context.WithValue(ctx, hostKey{}, 1)

	if got, ok := CallerFrom(ctx); !ok || got != want {
		t.Errorf("CallerFrom = %+v, %v; want %+v", got, ok, want)
	}
	if got := ctx.Value(otherKey{}); got != "parent's" {
		t.Errorf("the parent's value = %v", got)
	}
	if _, ok := CallerFrom(parent); ok {
		t.Error("a context without a caller has one")
	}
	cancel()
	<-ctx.Done()
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Errorf("after the parent is cancelled: %v", ctx.Err())
	}
}

// TestInvokeHandsEachCallItsOwnCallAndContext checks that what a host
// keeps of one invoke (the *effects.Call and the context) is not changed
// by the next: the machine must not reuse them from call to call.
func TestInvokeHandsEachCallItsOwnCallAndContext(t *testing.T) {
	prog := compileSrc(t, `protocol "kept" {
  roles = ["A", "B"]
  set "A" "r" {
    value = 1
  }
  invoke "A" "test.echo" {
    args   = { x = "$r" }
    result = "r"
  }
  invoke "A" "test.echo" {
    args   = { x = "$r" + 1 }
    result = "r"
  }
  send "A" "B" "Done" {}
}`)
	type kept struct {
		ctx  context.Context
		call *effects.Call
		args effects.Value
	}
	var calls []kept
	reg := effects.NewRegistry()
	keep := effects.HandlerFunc(func(ctx context.Context, c *effects.Call) (effects.Value, error) {
		calls = append(calls, kept{ctx, c, c.Args})
		return c.Arg("x"), nil
	})
	if err := reg.Register("test", keep, effects.OpSpec{ID: "test.echo", Params: []effects.Param{{Name: "x", Kind: effects.KindAny}},
		Result: effects.KindAny, Determinism: effects.Pure}); err != nil {
		t.Fatal(err)
	}
	m, err := NewMachine(prog, Config{Effects: NewRegistryEffects(RegistryEffectsConfig{Registry: reg}), Granularity: policy.Disabled})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := m.Run(context.Background()); st != Done || err != nil {
		t.Fatal(st, err)
	}
	if len(calls) != 2 {
		t.Fatalf("%d calls, want 2", len(calls))
	}
	if calls[0].call == calls[1].call {
		t.Error("both calls were handed the same *effects.Call")
	}
	for i, k := range calls {
		if !k.call.Args.Equal(k.args) {
			t.Errorf("call %d: its arguments became %s after the run, were %s", i, k.call.Args, k.args)
		}
		if want := effects.Int(int64(i + 1)); !k.call.Arg("x").Equal(want) {
			t.Errorf("call %d: x = %s, want %s", i, k.call.Arg("x"), want)
		}
	}
	first, _ := CallerFrom(calls[0].ctx)
	second, _ := CallerFrom(calls[1].ctx)
	if first.Role != "A" || first.Step >= second.Step || first.PC >= second.PC {
		t.Errorf("the callers kept are %+v and %+v: the first changed, or they are not in step order", first, second)
	}
}

// TestInvokeAllocations keeps an invoke at two allocations: its call with
// the caller's context, and its arguments map. Allocation is most of
// what an invoke costs beyond the registry (vm/BENCHMARKS.md), so one
// more is a regression this catches where a timing could not.
func TestInvokeAllocations(t *testing.T) {
	e := newEffectCallBench(t)
	const steps = 15 * 64 // 64 rounds of the loop: 8 invokes, a send, a receive, jumps
	e.machine(t, steps)
	calls := e.calls.Load()
	allocs := testing.AllocsPerRun(5, func() { e.machine(t, steps) })
	// A machine's own set-up allocates a few dozen times, under 0.1 a call here.
	if perCall := allocs / float64(calls); perCall > 2.1 {
		t.Errorf("an invoke allocates %.2f times, want 2 (its call and context, its arguments)", perCall)
	}
}
