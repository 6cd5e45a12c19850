package vm

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

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
// the host boundary, the trace off). A call crossing to a plugin is
// measured by the host and sdk benchmarks.
func BenchmarkEffectCall(b *testing.B) {
	var calls atomic.Int64
	echo := effects.HandlerFunc(func(_ context.Context, c *effects.Call) (effects.Value, error) {
		calls.Add(1)
		return c.Arg("x"), nil
	})
	reg := effects.NewRegistry()
	if err := reg.Register("bench", echo, effects.OpSpec{ID: "test.echo", Params: []effects.Param{{Name: "x", Kind: effects.KindAny}}, Result: effects.KindAny, Determinism: effects.Pure}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	call := &effects.Call{Op: "test.echo", Args: effects.Map(map[string]effects.Value{"x": effects.Int(1)})}
	perCall := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(calls.Load()), "ns/call")
	}
	b.Run("baseline=handler", func(b *testing.B) {
		calls.Store(0)
		for i := 0; i < b.N; i++ {
			if _, err := echo.Invoke(ctx, call); err != nil {
				b.Fatal(err)
			}
		}
		perCall(b)
	})
	b.Run("registry", func(b *testing.B) {
		calls.Store(0)
		for i := 0; i < b.N; i++ {
			if _, err := reg.Invoke(ctx, call); err != nil {
				b.Fatal(err)
			}
		}
		perCall(b)
	})
	b.Run("machine_invoke", func(b *testing.B) {
		// Eight invokes per round, so the message that keeps the loop
		// guarded costs little per call.
		invoke := `
    invoke "A" "test.echo" {
      args   = { x = "$r" }
      result = "r"
    }`
		prog := compileSrc(b, `protocol "bench_invoke" {
  roles = ["A", "B"]
  set "A" "r" {
    value = 1
  }
  rec "Loop" {`+strings.Repeat(invoke, 8)+`
    send "A" "B" "Tick" {}
    continue "Loop" {}
  }
}`)
		calls.Store(0)
		m, err := NewMachine(prog, Config{Effects: NewRegistryEffects(RegistryEffectsConfig{Registry: reg}), MaxSteps: uint64(b.N), Scheduler: policy.ProgressAware})
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		if _, err := m.Run(ctx); !errors.Is(err, ErrBoundExceeded) {
			b.Fatal(err)
		}
		b.StopTimer()
		perCall(b)
	})
}
