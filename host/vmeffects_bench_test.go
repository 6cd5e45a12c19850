package host_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/policy"
)

// vmInvokeChunk is how many calls (or machine steps) one path runs per
// turn in BenchmarkVMInvokeRouted.
const vmInvokeChunk = 8192

// BenchmarkVMInvokeRouted measures a VM invoke of an in-process handler as
// a deployment makes it: the machine's invoke step through host.VMEffects
// and the Router (authority check, registry lookup, argument check), the
// session untraced. The baseline is the same call made to the Router
// directly. The two take turns in chunks, in an order shuffled every
// round, so load from elsewhere on a shared machine hits them alike;
// the figures are ns per call answered and their ratio. vm's
// BenchmarkEffectCall measures the machine over a bare registry.
func BenchmarkVMInvokeRouted(b *testing.B) {
	var calls atomic.Int64
	reg := effects.NewRegistry()
	echo := effects.HandlerFunc(func(_ context.Context, c *effects.Call) (effects.Value, error) {
		calls.Add(1)
		return c.Arg("x"), nil
	})
	if err := reg.Register("bench", echo, effects.OpSpec{ID: "test.echo", Params: []effects.Param{{Name: "x", Kind: effects.KindAny}},
		Result: effects.KindAny, Determinism: effects.Pure}); err != nil {
		b.Fatal(err)
	}
	r := host.NewRouter(reg, effects.DeriveAuthorityID("bench", 0))
	effs := host.NewVMEffects(r, effects.Testing, vm.RegistryEffectsConfig{})
	prog := compileVMInvokeLoop(b)
	ctx := context.Background()
	call := &effects.Call{Op: "test.echo", Args: effects.Map(map[string]effects.Value{"x": effects.Int(1)}), Authority: r.Authority()}

	paths := []struct {
		name string
		run  func(n int)
	}{
		{"router", func(n int) {
			for range n {
				if _, err := r.Invoke(ctx, call); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{"machine", func(n int) {
			m, err := vm.NewMachine(prog, vm.Config{Effects: effs, Authority: r.Authority(), MaxSteps: uint64(n), Scheduler: policy.ProgressAware})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m.Run(ctx); !errors.Is(err, vm.ErrBoundExceeded) {
				b.Fatal(err)
			}
		}},
	}
	spent := make([]time.Duration, len(paths))
	answered := make([]int64, len(paths))
	rng := rand.New(rand.NewPCG(1, 2))
	for done := 0; done < b.N; done += vmInvokeChunk {
		for _, i := range rng.Perm(len(paths)) {
			before := calls.Load()
			start := time.Now()
			paths[i].run(vmInvokeChunk)
			spent[i] += time.Since(start)
			answered[i] += calls.Load() - before
		}
	}
	perCall := make([]float64, len(paths))
	for i, p := range paths {
		perCall[i] = float64(spent[i].Nanoseconds()) / float64(answered[i])
		b.ReportMetric(perCall[i], p.name+"-ns/call")
	}
	b.ReportMetric(perCall[1]/perCall[0], "machine/router")
	b.ReportMetric(0, "ns/op")
}

// compileVMInvokeLoop compiles a protocol whose role A invokes test.echo
// eight times a round, feeding each result to the next call, and then
// sends B a message that keeps the loop guarded.
func compileVMInvokeLoop(b *testing.B) *vm.Program {
	invoke := `
    invoke "A" "test.echo" {
      args   = { x = "$r" }
      result = "r"
    }`
	src := `protocol "bench_invoke" {
  roles = ["A", "B"]
  set "A" "r" {
    value = 1
  }
  rec "Loop" {` + strings.Repeat(invoke, 8) + `
    send "A" "B" "Tick" {}
    continue "Loop" {}
  }
}`
	p, diags := vm.Load([]byte(src), "bench_invoke.hcl")
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	prog, diags := vm.Compile(p)
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	return prog
}
