package vm

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aurahost/aura-host/vm/syntax"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/policy"
)

// benchLoop exchanges a value forever: the instruction-throughput load.
const benchLoop = `protocol "bench_loop" {
  roles = ["A", "B"]
  set "A" "n" {
    value = 1
  }
  rec "Loop" {
    send "A" "B" "Ping" {
      value = "$n"
      bind  = "n"
    }
    send "B" "A" "Pong" {
      value = "$n"
      bind  = "n"
    }
    continue "Loop" {}
  }
}`

// BenchmarkInstructions measures instructions per second in process,
// with tracing off, topology-only and full. One b.N is one step. The
// baseline does the same exchange (push, pop and copy of a Value through
// a ring buffer, four per round) in plain Go, without the machine.
func BenchmarkInstructions(b *testing.B) {
	prog := compileSrc(b, benchLoop)
	b.Run("baseline=plain_go", func(b *testing.B) {
		ab, ba := newFIFO(DefaultCapacity), newFIFO(DefaultCapacity)
		n := effects.Int(1)
		b.ResetTimer()
		for i := 0; i < b.N; i += 4 {
			ab.push(Message{From: "A", To: "B", Label: "Ping", Payload: n})
			n = ab.front().Payload
			ab.pop()
			ba.push(Message{From: "B", To: "A", Label: "Pong", Payload: n})
			n = ba.front().Payload
			ba.pop()
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "instr/s")
	})
	for _, g := range []policy.Granularity{policy.Disabled, policy.TopologyOnly, policy.Full} {
		for _, pol := range []policy.Scheduler{policy.RoundRobin, policy.ProgressAware} {
			b.Run("tracing="+string(g)+"/"+string(pol)[len("aura.vm.scheduler."):], func(b *testing.B) {
				m, err := NewMachine(prog, Config{Effects: NewRegistryEffects(RegistryEffectsConfig{}), Granularity: g, Scheduler: pol, MaxSteps: uint64(b.N)})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				if _, err := m.Run(context.Background()); !errors.Is(err, ErrBoundExceeded) {
					b.Fatal(err)
				}
				b.StopTimer()
				b.ReportMetric(float64(m.Executed())/b.Elapsed().Seconds(), "instr/s")
			})
		}
	}
}

// BenchmarkSessions measures ping-pong sessions per second: all roles in
// one machine, one machine per role with the messages carried between
// them, and parsing and compiling each time. The baseline makes the same
// host request and exchange as direct Go calls.
func BenchmarkSessions(b *testing.B) {
	src, file := readExample(b, "ping_pong")
	prog := mustCompile(b, src, file)
	host := NewRegistryEffects(RegistryEffectsConfig{Seed: 1})
	ctx := context.Background()
	report := func(b *testing.B) { b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sessions/s") }
	b.Run("baseline=direct_calls", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			ping, err := host.Payload(ctx, &PayloadRequest{Caller: Caller{Role: "Client"}, Peer: "Server", Label: "Ping", Sort: "bytes"})
			if err != nil {
				b.Fatal(err)
			}
			pong := ping
			if !pong.Equal(ping) {
				b.Fatal("echo differs")
			}
		}
		report(b)
	})
	b.Run("machine=all_roles", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := RunSession(ctx, prog, Config{Effects: host}); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
	b.Run("machine=per_role", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			client, err := NewMachine(prog, Config{Effects: host, Roles: []string{"Client"}})
			if err != nil {
				b.Fatal(err)
			}
			server, _ := NewMachine(prog, Config{Effects: host, Roles: []string{"Server"}})
			for _, step := range []struct{ from, to *Machine }{{client, server}, {server, client}} {
				if _, err := step.from.Run(ctx); err != nil {
					b.Fatal(err)
				}
				for _, msg := range step.from.Drain() {
					if err := step.to.Deliver(msg); err != nil {
						b.Fatal(err)
					}
				}
			}
			if st, err := client.Run(ctx); st != Done || err != nil {
				b.Fatal(st, err)
			}
		}
		report(b)
	})
	b.Run("parse_compile_run", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			p, diags := syntax.Parse(src, file)
			if diags.HasErrors() {
				b.Fatal(diags)
			}
			prog, diags := Compile(p)
			if diags.HasErrors() {
				b.Fatal(diags)
			}
			if _, err := RunSession(ctx, prog, Config{Effects: host}); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
}

// BenchmarkEffectCall measures one in-process effect call: the handler
// called directly (the baseline), through the registry (schema check and
// dispatch), and as a machine invoke instruction (argument evaluation,
// the host boundary, the monitor's check and the step's commit, the trace
// off). Each has its own sub-benchmark; same_run measures the three
// taking turns, so that load from elsewhere on a shared machine hits them
// alike, and reports their ratios. A call crossing to a plugin is
// measured by the host and sdk benchmarks.
func BenchmarkEffectCall(b *testing.B) {
	e := newEffectCallBench(b)
	paths := []struct {
		name string
		run  func(b testing.TB, n int)
	}{
		{"baseline=handler", e.handler},
		{"registry", e.registry},
		{"machine_invoke", e.machine},
	}
	for _, p := range paths {
		b.Run(p.name, func(b *testing.B) {
			e.calls.Store(0)
			p.run(b, b.N)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(e.calls.Load()), "ns/call")
		})
	}
	b.Run("same_run", func(b *testing.B) {
		spent := make([]time.Duration, len(paths))
		calls := make([]int64, len(paths))
		rng := rand.New(rand.NewPCG(1, 2))
		for done := 0; done < b.N; done += effectCallChunk {
			for _, i := range rng.Perm(len(paths)) {
				before := e.calls.Load()
				start := time.Now()
				paths[i].run(b, effectCallChunk)
				spent[i] += time.Since(start)
				calls[i] += e.calls.Load() - before
			}
		}
		perCall := make([]float64, len(paths))
		for i, p := range paths {
			perCall[i] = float64(spent[i].Nanoseconds()) / float64(calls[i])
			b.ReportMetric(perCall[i], strings.TrimPrefix(p.name, "baseline=")+"-ns/call")
		}
		handler, registry, machine := perCall[0], perCall[1], perCall[2] // the order of paths
		b.ReportMetric(machine/registry, "machine/registry")
		b.ReportMetric(machine/handler, "machine/handler")
		b.ReportMetric(0, "ns/op")
	})
}

// effectCallChunk is how many units (calls, or machine steps) one path
// runs per turn in same_run: enough that reading the clock and preparing
// a machine cost nothing beside it, few enough that the paths take many
// turns a second.
const effectCallChunk = 8192

// effectCallBench is the operation BenchmarkEffectCall calls, its
// registry, and the count of the calls its handler answered.
type effectCallBench struct {
	calls atomic.Int64
	echo  effects.Handler
	reg   *effects.Registry
	call  *effects.Call
	prog  *Program
}

func newEffectCallBench(b testing.TB) *effectCallBench {
	e := &effectCallBench{reg: effects.NewRegistry()}
	e.echo = effects.HandlerFunc(func(_ context.Context, c *effects.Call) (effects.Value, error) {
		e.calls.Add(1)
		return c.Arg("x"), nil
	})
	if err := e.reg.Register("bench", e.echo, effects.OpSpec{ID: "test.echo", Params: []effects.Param{{Name: "x", Kind: effects.KindAny}}, Result: effects.KindAny, Determinism: effects.Pure}); err != nil {
		b.Fatal(err)
	}
	e.call = &effects.Call{Op: "test.echo", Args: effects.Map(map[string]effects.Value{"x": effects.Int(1)})}
	// Eight invokes per round, so the message that keeps the loop
	// guarded costs little per call.
	invoke := `
    invoke "A" "test.echo" {
      args   = { x = "$r" }
      result = "r"
    }`
	e.prog = compileSrc(b, `protocol "bench_invoke" {
  roles = ["A", "B"]
  set "A" "r" {
    value = 1
  }
  rec "Loop" {`+strings.Repeat(invoke, 8)+`
    send "A" "B" "Tick" {}
    continue "Loop" {}
  }
}`)
	return e
}

// handler makes n calls of the handler itself.
func (e *effectCallBench) handler(b testing.TB, n int) {
	ctx := context.Background()
	for range n {
		if _, err := e.echo.Invoke(ctx, e.call); err != nil {
			b.Fatal(err)
		}
	}
}

// registry makes n calls through the registry.
func (e *effectCallBench) registry(b testing.TB, n int) {
	ctx := context.Background()
	for range n {
		if _, err := e.reg.Invoke(ctx, e.call); err != nil {
			b.Fatal(err)
		}
	}
}

// machine runs n steps of a machine whose role A invokes the operation
// eight times a round; the calls are what the handler counts.
func (e *effectCallBench) machine(b testing.TB, n int) {
	m, err := NewMachine(e.prog, Config{Effects: NewRegistryEffects(RegistryEffectsConfig{Registry: e.reg}), MaxSteps: uint64(n), Scheduler: policy.ProgressAware})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Run(context.Background()); !errors.Is(err, ErrBoundExceeded) {
		b.Fatal(err)
	}
}
