package vm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/internal/compile"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/project"
	"github.com/aurahost/aura-host/vm/trace"
)

func compileSrc(t testing.TB, src string) *Program {
	t.Helper()
	return mustCompile(t, []byte(src), "test.hcl")
}

// failingRegistry serves test.fail, which fails with the given error.
func failingRegistry(t *testing.T, err error) *effects.Registry {
	reg := effects.NewRegistry()
	if e := reg.Register("failing", effects.HandlerFunc(func(ctx context.Context, c *effects.Call) (effects.Value, error) {
		return effects.Value{}, err
	}), effects.OpSpec{ID: "test.fail", Determinism: effects.Pure}); e != nil {
		t.Fatal(e)
	}
	return reg
}

const invokeThenSend = `protocol "invoke" {
  roles = ["A", "B"]
  invoke "A" "test.fail" {
    result = "r"
  }
  send "A" "B" "Done" {}
}`

// TestFaultKinds: every failure the host reports becomes the fault kind
// it stands for, and the faulting step changes nothing.
func TestFaultKinds(t *testing.T) {
	prog := compileSrc(t, invokeThenSend)
	tests := []struct {
		err  error
		want error
	}{
		{effects.Errorf(effects.CodeDenied, "no capability"), ErrDenied},
		{effects.Errorf(effects.CodeExhausted, "flow budget spent"), ErrDenied},
		{effects.Errorf(effects.CodeTimeout, "slow"), ErrTimeout},
		{context.DeadlineExceeded, ErrTimeout},
		{effects.Errorf(effects.CodeCancelled, "stop"), ErrCancelled},
		{context.Canceled, ErrCancelled},
		{effects.Errorf(effects.CodeUnavailable, "plugin restarting"), ErrUnavailable},
		{effects.Errorf(effects.CodeInternal, "bug"), ErrUnavailable},
		{errors.New("plain"), ErrUnavailable},
		{effects.Errorf(effects.CodeInvalidArgs, "bad"), ErrInvalidInput},
		{effects.Errorf(effects.CodeConflict, "twice"), ErrInvalidInput},
		{&Fault{Kind: FaultDeterminism, Index: 3}, ErrDeterminism},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			m, err := NewMachine(prog, Config{Effects: NewRegistryEffects(RegistryEffectsConfig{Registry: failingRegistry(t, tt.err)}), Granularity: policy.Full})
			if err != nil {
				t.Fatal(err)
			}
			st, err := m.Run(context.Background())
			if st != Faulted || !errors.Is(err, tt.want) {
				t.Fatalf("Run = %v, %v; want %v", st, err, tt.want)
			}
			var f *Fault
			errors.As(err, &f)
			if f.Role != "A" || f.Range.Start.Line != 3 {
				t.Errorf("fault at %s line %d, want role A line 3", f.Role, f.Range.Start.Line)
			}
			a := m.cos[0]
			if a.pc != 0 || !a.regs[0].IsNull() {
				t.Errorf("the faulting step changed the coroutine: pc %d, r = %s", a.pc, a.regs[0])
			}
			if e := m.Trace().Entries[0]; e.Kind != trace.KindInvoke || e.Error == nil {
				t.Errorf("the failed invoke is not in the trace: %+v", e)
			}
			if st, again := m.Run(context.Background()); st != Faulted || again != err {
				t.Errorf("a faulted machine ran again: %v, %v", st, again)
			}
		})
	}
	t.Run("unknown operation", func(t *testing.T) {
		_, err := RunSession(context.Background(), prog, Config{Effects: NewRegistryEffects(RegistryEffectsConfig{Registry: effects.NewRegistry()})})
		if !errors.Is(err, ErrUnavailable) || !errors.Is(err, effects.ErrUnknownOp) {
			t.Fatalf("got %v, want Unavailable wrapping unknown_op", err)
		}
	})
}

func TestCancelledContext(t *testing.T) {
	prog := compileExample(t, "ping_pong")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := RunSession(ctx, prog, Config{Effects: NewRegistryEffects(RegistryEffectsConfig{})})
	if !errors.Is(err, ErrCancelled) {
		t.Fatalf("got %v, want Cancelled", err)
	}
}

// TestInvalidInput: values that do not fit fault with InvalidInput at the
// offending expression or step.
func TestInvalidInput(t *testing.T) {
	tests := []struct {
		name, src string
		cfg       RegistryEffectsConfig
		line      int
	}{
		{"host payload of the wrong sort", `protocol "p" {
  roles = ["A", "B"]
  send "A" "B" "Data" {
    value = host()
    sort  = "bytes"
  }
}`, RegistryEffectsConfig{Payload: func(*PayloadRequest) (effects.Value, error) { return effects.String("text"), nil }}, 3},
		{"host input of the wrong sort", `protocol "p" {
  roles = ["A", "B"]
  set "A" "items" {
    value = host()
    sort  = "list"
  }
  send "A" "B" "Items" {
    value = "$items"
  }
}`, RegistryEffectsConfig{Payload: func(*PayloadRequest) (effects.Value, error) { return effects.Uint(3), nil }}, 3},
		{"decision the choice does not offer", `protocol "p" {
  roles = ["A", "B"]
  choice "A" {
    branch "Yes" {
      send "A" "B" "Yes" {}
    }
    branch "No" {
      send "A" "B" "No" {}
    }
  }
}`, RegistryEffectsConfig{Decide: func(*DecisionRequest, uint64) (string, error) { return "Maybe", nil }}, 3},
		{"expression on the wrong kind", `protocol "p" {
  roles = ["A", "B"]
  random "A" {
    bytes  = 4
    result = "r"
  }
  send "A" "B" "Sum" {
    value = "$r" + 1
  }
}`, RegistryEffectsConfig{}, 8},
		{"decide rule that names no label", `protocol "p" {
  roles = ["A", "B"]
  choice "A" {
    decide = "Neither"
    branch "Yes" {
      send "A" "B" "Yes" {}
    }
  }
}`, RegistryEffectsConfig{}, 3},
		{"missing field", `protocol "p" {
  roles = ["A", "B"]
  set "A" "m" {
    value = { a = 1 }
  }
  send "A" "B" "Field" {
    value = "$m.b"
  }
}`, RegistryEffectsConfig{}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := RunSession(context.Background(), compileSrc(t, tt.src), Config{Effects: NewRegistryEffects(tt.cfg)})
			var f *Fault
			if !errors.As(err, &f) || f.Kind != FaultInvalidInput {
				t.Fatalf("got %v, want InvalidInput", err)
			}
			if f.Range.Start.Line != tt.line {
				t.Errorf("fault at line %d, want %d: %v", f.Range.Start.Line, tt.line, err)
			}
		})
	}
}

const endless = `protocol "endless" {
  roles = ["A", "B"]
  rec "Loop" {
    send "A" "B" "Ping" {}
    send "B" "A" "Pong" {}
    continue "Loop" {}
  }
}`

// TestStepBudget: a session that would run forever ends with
// BoundExceeded after exactly its budget, never a hang.
func TestStepBudget(t *testing.T) {
	prog := compileSrc(t, endless)
	for _, pol := range policy.Schedulers() {
		m, err := RunSession(context.Background(), prog, Config{Effects: NewRegistryEffects(RegistryEffectsConfig{}), Scheduler: pol})
		if !errors.Is(err, ErrBoundExceeded) {
			t.Fatalf("%s: got %v, want BoundExceeded", pol, err)
		}
		taken, budget := m.Steps()
		// Both roles have depth 3 (two messages, one jump back): the
		// formula gives (2·6 + 0)·2·4.
		if taken != budget || budget != 96 {
			t.Fatalf("%s: took %d of a %d-step budget, want 96 of 96", pol, taken, budget)
		}
	}
	m, err := RunSession(context.Background(), prog, Config{Effects: NewRegistryEffects(RegistryEffectsConfig{}), MaxSteps: 1000})
	if taken, _ := m.Steps(); !errors.Is(err, ErrBoundExceeded) || taken != 1000 {
		t.Fatalf("MaxSteps 1000: took %d steps, %v", taken, err)
	}
}

func TestBudgetFormula(t *testing.T) {
	for _, tt := range []struct {
		depths         []int
		buffered, mult int
		want           uint64
	}{
		{[]int{3, 3}, 0, 4, 96},
		{[]int{1}, 0, 1, 2},
		{[]int{5, 2, 7}, 4, 2, (2*14 + 4) * 3 * 2},
	} {
		if got := Budget(tt.depths, tt.buffered, tt.mult); got != tt.want {
			t.Errorf("Budget(%v, %d, %d) = %d, want %d", tt.depths, tt.buffered, tt.mult, got, tt.want)
		}
	}
}

// TestGuardDeadlockEnds: A holds a guard while waiting for B, who waits
// for the guard. The refused acquire is retried, and the session ends
// with BoundExceeded instead of hanging.
func TestGuardDeadlockEnds(t *testing.T) {
	prog := compileSrc(t, `protocol "deadlock" {
  roles = ["A", "B"]
  acquire "A" "g" {}
  send "A" "B" "Start" {}
  acquire "B" "g" {}
  send "B" "A" "Reply" {}
  release "A" "g" {}
  release "B" "g" {}
}`)
	_, err := RunSession(context.Background(), prog, Config{Effects: NewRegistryEffects(RegistryEffectsConfig{})})
	if !errors.Is(err, ErrBoundExceeded) {
		t.Fatalf("got %v, want BoundExceeded", err)
	}
}

// snapshot is everything a step may change.
type snapshot struct {
	pcs, states []int
	regs        []string
	buffers     string
	outbox      int
	seqs        string
}

func snap(m *Machine) snapshot {
	var s snapshot
	for _, c := range m.cos {
		s.pcs = append(s.pcs, c.pc)
		s.states = append(s.states, c.state)
		s.regs = append(s.regs, effects.List(c.regs...).String())
	}
	var b strings.Builder
	for _, f := range m.edges {
		if f != nil {
			for i := range f.size {
				msg := f.buf[(f.head+i)%len(f.buf)]
				b.WriteString(msg.Label + msg.Payload.String() + ";")
			}
		}
		b.WriteString("|")
	}
	s.buffers, s.outbox = b.String(), len(m.outbox)
	s.seqs = effects.List(func() []effects.Value {
		var out []effects.Value
		for i := range m.seqOut {
			out = append(out, effects.Uint(m.seqOut[i]), effects.Uint(m.seqIn[i]))
		}
		return out
	}()...).String()
	return s
}

func (s snapshot) String() string {
	return fmt.Sprintf("pcs %v states %v regs %v buffers %s outbox %d seqs %s", s.pcs, s.states, s.regs, s.buffers, s.outbox, s.seqs)
}

// TestBlockedStepChangesNothing: a send to a full buffer, a receive from
// an empty one and a refused acquire each leave the machine as it was.
func TestBlockedStepChangesNothing(t *testing.T) {
	prog := compileSrc(t, `protocol "blocking" {
  roles = ["A", "B"]
  acquire "A" "g" {}
  set "A" "x" {
    value = 7
  }
  send "A" "B" "One" {
    value = "$x"
  }
  send "A" "B" "Two" {
    value = "$x"
  }
  send "B" "A" "Done" {}
  release "A" "g" {}
}`)
	host := NewRegistryEffects(RegistryEffectsConfig{})
	m, err := NewMachine(prog, Config{Effects: host, Capacity: 1, Granularity: policy.Full})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, b := m.cos[0], m.cos[1]
	expect := func(c *coroutine, want outcome) {
		t.Helper()
		before := snap(m)
		got := m.exec(ctx, c)
		if got != want {
			t.Fatalf("%s at pc %d: %v, want %v", c.role, c.pc, got, want)
		}
		if want == blocked && before.String() != snap(m).String() {
			t.Fatalf("blocked step of %s changed the machine:\nbefore %v\nafter  %v", c.role, before, snap(m))
		}
	}
	// Another session holds the guard: the acquire is refused.
	other := &GuardRequest{Caller: Caller{Session: effects.DeriveSessionID("other", 1), Role: "X"}, Guard: "g"}
	if ok, _ := host.Acquire(ctx, other); !ok {
		t.Fatal("could not take the guard")
	}
	expect(a, blocked)
	if err := host.Release(ctx, other); err != nil {
		t.Fatal(err)
	}
	expect(b, blocked) // nothing to receive yet
	expect(a, progressed)
	expect(a, progressed) // set
	expect(a, progressed) // One fills the buffer
	expect(a, blocked)    // Two: the buffer is full
	expect(b, progressed) // B receives One
	expect(a, progressed) // now Two fits
	if n := len(m.Trace().Entries); n == 0 {
		t.Fatal("no trace")
	}
}

// TestSchedulerPolicies: the order in which three independent roles take
// their local steps shows each policy.
func TestSchedulerPolicies(t *testing.T) {
	prog := compileSrc(t, `protocol "sched" {
  roles = ["A", "B", "C"]
  now "A" {}
  now "A" {}
  now "B" {}
  now "B" {}
  now "C" {}
  now "C" {}
  send "A" "B" "X" {}
  send "B" "C" "Y" {}
}`)
	order := func(pol policy.Scheduler, prio map[string]int) string {
		m, err := RunSession(context.Background(), prog, Config{Effects: NewRegistryEffects(RegistryEffectsConfig{}), Scheduler: pol,
			Quantum: 1, Priorities: prio, Granularity: policy.Full})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, e := range m.Trace().Entries {
			if e.Kind == trace.KindNow {
				b.WriteString(e.Role)
			}
		}
		return b.String()
	}
	for _, tt := range []struct {
		pol  policy.Scheduler
		prio map[string]int
		want string
	}{
		{policy.RoundRobin, nil, "ABCABC"},
		{policy.ProgressAware, nil, "AABBCC"},
		{policy.PriorityAging, nil, "ABCABC"},
		{policy.PriorityAging, map[string]int{"C": 10}, "CCABAB"},
		{policy.PriorityAging, map[string]int{"B": 1}, "BABCAC"},
	} {
		if got := order(tt.pol, tt.prio); got != tt.want {
			t.Errorf("%s %v: order %s, want %s", tt.pol, tt.prio, got, tt.want)
		}
	}
}

// TestSelectPolicy: the machine applies the protocol's execution policy
// and the signals it is given (the rule itself: vm/policy's
// TestSelectScheduler).
func TestSelectPolicy(t *testing.T) {
	// The protocol's execution policy makes anti-entropy heavy.
	m, err := NewMachine(compileExample(t, "anti_entropy"), Config{Effects: NewRegistryEffects(RegistryEffectsConfig{})})
	if err != nil {
		t.Fatal(err)
	}
	if m.Policy() != policy.ProgressAware {
		t.Errorf("anti_entropy runs %s, want progress-aware", m.Policy())
	}
	m, _ = NewMachine(compileExample(t, "anti_entropy"), Config{Effects: NewRegistryEffects(RegistryEffectsConfig{}), Signals: policy.Signals{GuardContention: true}})
	if m.Policy() != policy.PriorityAging {
		t.Errorf("anti_entropy under contention runs %s, want priority-aging", m.Policy())
	}
}

func TestNewMachineErrors(t *testing.T) {
	prog := compileExample(t, "ping_pong")
	for _, cfg := range []Config{
		{},
		{Effects: NewRegistryEffects(RegistryEffectsConfig{}), Roles: []string{"Nobody"}},
		{Effects: NewRegistryEffects(RegistryEffectsConfig{}), Roles: []string{"Client", "Client"}},
		{Effects: NewRegistryEffects(RegistryEffectsConfig{}), Scheduler: "fifo"},
		{Effects: NewRegistryEffects(RegistryEffectsConfig{}), Granularity: "some"},
	} {
		if _, err := NewMachine(prog, cfg); err == nil {
			t.Errorf("NewMachine(%+v) accepted", cfg)
		}
	}
}

// TestInstructionSet: every branch of every example is compiled, and the
// compiled code uses the whole instruction set between the examples.
func TestInstructionSet(t *testing.T) {
	used := map[compile.Opcode]bool{}
	for _, name := range exampleNames(t) {
		prog := compileExample(t, name)
		for _, rc := range prog.code.Roles {
			for pc, in := range rc.Code {
				used[in.Op] = true
				for _, a := range in.Arms {
					if a.Target < 0 || a.Target >= len(rc.Code) {
						t.Errorf("%s %s pc %d: arm %s targets %d", name, rc.Role, pc, a.Label.Name, a.Target)
					}
				}
			}
			if !strings.Contains(rc.Listing(), "halt") {
				t.Errorf("%s %s: no halt in\n%s", name, rc.Role, rc.Listing())
			}
		}
	}
	for op := compile.OpHalt; op <= compile.OpYield; op++ {
		if !used[op] {
			t.Errorf("no example compiles to %s", op)
		}
	}
}

// TestMonitorCatchesWrongCode: a coroutine sent to code its local type
// does not allow here faults before the instruction acts.
func TestMonitorCatchesWrongCode(t *testing.T) {
	prog := compileExample(t, "ping_pong")
	m, err := NewMachine(prog, Config{Effects: NewRegistryEffects(RegistryEffectsConfig{})})
	if err != nil {
		t.Fatal(err)
	}
	client := m.cos[0]
	client.pc = 1 // the receive of Pong, before Ping was sent
	if got := m.exec(context.Background(), client); got != faulted || !errors.Is(m.fault, ErrContractViolation) {
		t.Fatalf("exec = %v, fault %v; want a monitor ContractViolation", got, m.fault)
	}
	if !strings.Contains(m.fault.Error(), "monitor") {
		t.Errorf("fault does not name the monitor: %v", m.fault)
	}
}

// TestMonitorStatesMatchCode: every instruction is tagged with a monitor
// state of its own kind, and every arm leads to a state that exists.
func TestMonitorStatesMatchCode(t *testing.T) {
	want := map[compile.Opcode]project.LocalKind{compile.OpSend: project.LSend, compile.OpChoose: project.LSend, compile.OpReceive: project.LRecv, compile.OpOffer: project.LRecv, compile.OpHalt: project.LEnd,
		compile.OpInvoke: project.LAction, compile.OpAcquire: project.LAction, compile.OpRelease: project.LAction, compile.OpSet: project.LAction, compile.OpMove: project.LAction, compile.OpNow: project.LAction, compile.OpRandom: project.LAction}
	for _, name := range exampleNames(t) {
		for _, rc := range compileExample(t, name).code.Roles {
			for pc, in := range rc.Code {
				if in.Op == compile.OpJump || in.Op == compile.OpYield {
					if in.State != -1 {
						t.Errorf("%s %s pc %d: %s has a monitor state", name, rc.Role, pc, in.Op)
					}
					continue
				}
				if got := rc.States[in.State].Node.Kind; got != want[in.Op] {
					t.Errorf("%s %s pc %d: %s tagged with a %s state", name, rc.Role, pc, in.Op, got)
				}
				for _, a := range in.Arms {
					if a.Next < 0 || a.Next >= len(rc.States) {
						t.Errorf("%s %s pc %d: arm %s leads to state %d", name, rc.Role, pc, a.Label.Name, a.Next)
					}
				}
			}
		}
	}
}
