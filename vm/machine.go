package vm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/internal/compile"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/trace"
)

// Defaults of a machine's Config.
const (
	// DefaultCapacity is the per-edge buffer capacity.
	DefaultCapacity = 16
	// DefaultQuantum is how many steps a coroutine runs per turn.
	DefaultQuantum = 8
)

// Config configures a Machine. Only Effects is required.
type Config struct {
	// Effects answers every request the machine makes of the world.
	Effects Effects
	// Roles are the roles this machine runs, one coroutine each. Empty
	// runs every role in one machine; naming a subset hosts those roles
	// and exchanges messages with the others through Drain and Deliver.
	Roles []string
	// Session, Authority and Context scope the session's effect calls.
	Session   effects.SessionID
	Authority effects.AuthorityID
	Context   effects.ContextID
	// Scheduler picks the policy. Empty uses the protocol's, else the
	// rule of SelectScheduler over Signals (Heavy is also set by the
	// protocol's execution policy).
	Scheduler policy.Scheduler
	Signals   policy.Signals
	// Priorities are base priorities by role for PriorityAging (default 0).
	Priorities map[string]int
	// Capacity is the per-edge buffer capacity. 0: the protocol's, else
	// DefaultCapacity.
	Capacity int
	// Quantum is how many steps a coroutine runs per turn before the
	// scheduler picks again (it also stops at a block or a yield).
	// 0: DefaultQuantum.
	Quantum int
	// StepMultiplier scales the step budget (see Budget). 0: the
	// protocol's, else its execution policy's, else DefaultStepMultiplier.
	StepMultiplier int
	// MaxSteps, when positive, replaces the budget formula.
	MaxSteps uint64
	// Granularity of the trace. Empty: the execution policy's capture, else
	// Disabled.
	Granularity policy.Granularity
	// Seed is recorded in the trace header; the machine itself needs none.
	Seed uint64

	replay *Replayer
}

// Status is where a machine stands after Run returns.
type Status uint8

// The statuses.
const (
	// Waiting: no coroutine can move until the host delivers a message
	// (hosted roles) or a refused guard may be granted; call Run again.
	Waiting Status = iota + 1
	// Done: every coroutine halted, every buffer is empty.
	Done
	// Faulted: the session failed; Run returned the *Fault.
	Faulted
)

// String returns the status in lower case.
func (s Status) String() string {
	switch s {
	case Waiting:
		return "waiting"
	case Done:
		return "done"
	case Faulted:
		return "faulted"
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

// Machine runs one session of a program: a coroutine per local role, a
// FIFO per directed edge, a scheduler and a step budget. It is not safe
// for concurrent use: one goroutine drives it with Run, Drain and Deliver.
type Machine struct {
	prog    *Program
	cfg     Config
	effects Effects
	policy  policy.Scheduler
	quantum int
	cap     int
	mult    int
	n       int // roles of the protocol

	cos    []*coroutine // local coroutines in role order
	local  []bool       // by role index
	remote bool         // some role runs elsewhere
	edges  []*fifo      // from*n+to; nil where neither end is local or no edge
	seqOut []uint64     // next sequence number to send, per edge
	seqIn  []uint64     // next sequence number to receive, per edge
	sent   []uint64
	recvd  []uint64
	outbox []Message // sends to remote roles, in send order
	outLen []int     // outbox messages per edge (capacity)

	steps   uint64
	blocked uint64 // steps that blocked and changed nothing
	budget  uint64
	started bool
	rr      int
	status  Status
	fault   *Fault
	trace   *recorder
}

// coroutine is one role's thread of execution.
type coroutine struct {
	idx      int
	role     string
	who      *callerRole // the constant part of its Caller, apart so an invoke's context keeps only it
	rc       *compile.RoleCode
	code     []compile.Instr
	pc       int
	state    int
	regs     []effects.Value
	halted   bool
	denied   bool // its acquire was refused; not retried until something moves
	priority int
	waited   uint64
}

// NewMachine prepares a session of prog. It returns an error for a
// configuration mistake (no host, an unknown role).
func NewMachine(prog *Program, cfg Config) (*Machine, error) {
	if cfg.Effects == nil {
		return nil, errors.New("vm: Config.Effects is required")
	}
	p := prog.Protocol
	exec, _ := policy.LookupExecution(p.Policy)
	m := &Machine{prog: prog, cfg: cfg, effects: cfg.Effects, n: len(p.Roles)}
	m.policy = cmp.Or(cfg.Scheduler, p.Scheduler)
	if m.policy == "" {
		sig := cfg.Signals
		sig.Heavy = sig.Heavy || exec.Heavy
		m.policy = policy.SelectScheduler(sig)
	}
	if _, err := policy.ParseScheduler(string(m.policy)); err != nil {
		return nil, fmt.Errorf("vm: %w", err)
	}
	m.quantum = cmp.Or(cfg.Quantum, DefaultQuantum)
	m.cap = cmp.Or(cfg.Capacity, p.Capacity, DefaultCapacity)
	m.mult = cmp.Or(cfg.StepMultiplier, p.StepMultiplier, exec.StepMultiplier, policy.DefaultStepMultiplier)
	gran := cmp.Or(cfg.Granularity, exec.Capture, policy.Disabled)
	if cfg.replay != nil {
		gran = policy.Full
	}
	if _, err := policy.ParseGranularity(string(gran)); err != nil {
		return nil, fmt.Errorf("vm: %w", err)
	}
	m.cfg.Granularity = gran
	if gran != policy.Disabled {
		m.trace = newRecorder(gran)
		if cfg.replay != nil {
			m.trace.replay = cfg.replay
		}
	}

	m.local = make([]bool, m.n)
	roles := cfg.Roles
	if len(roles) == 0 {
		roles = p.Roles
	}
	for _, r := range roles {
		i := p.RoleIndex(r)
		if i < 0 {
			return nil, fmt.Errorf("vm: %q is not a role of protocol %s", r, p.Name)
		}
		if m.local[i] {
			return nil, fmt.Errorf("vm: role %q named twice", r)
		}
		m.local[i] = true
	}
	for i, rc := range prog.code.Roles {
		if !m.local[i] {
			m.remote = true
			continue
		}
		who := &callerRole{protocol: p.Name, session: cfg.Session, role: rc.Role}
		m.cos = append(m.cos, &coroutine{idx: i, role: rc.Role, who: who, rc: rc, code: rc.Code, state: rc.Start,
			regs: slices.Clone(rc.Init), priority: cfg.Priorities[rc.Role]})
	}
	ne := len(prog.code.Edges)
	m.edges = make([]*fifo, ne)
	for k, e := range prog.code.Edges {
		// The receiving end owns an edge's buffer; sends to a role that
		// runs elsewhere queue in the outbox instead.
		if m.local[e.To] {
			m.edges[k] = newFIFO(m.cap)
		}
	}
	m.seqOut, m.seqIn = make([]uint64, ne), make([]uint64, ne)
	m.sent, m.recvd = make([]uint64, ne), make([]uint64, ne)
	m.outLen = make([]int, ne)
	return m, nil
}

// Budget is the step budget of AURA-SPEC §8:
// ceil((2·Σ depth of the local types + buffered messages) · k · multiplier),
// where the sum runs over the machine's roles and k is their number. A
// blocked turn counts as a step, so round-robin's idle turns are inside
// the budget; a loop may need a larger multiplier.
func Budget(depths []int, buffered, multiplier int) uint64 {
	sum := 0
	for _, d := range depths {
		sum += d
	}
	return uint64(2*sum+buffered) * uint64(len(depths)) * uint64(multiplier)
}

// Policy returns the scheduler policy the machine runs.
func (m *Machine) Policy() policy.Scheduler { return m.policy }

// Steps returns the steps taken so far and the budget (0 before the
// first Run).
func (m *Machine) Steps() (taken, budget uint64) { return m.steps, m.budget }

// Executed returns the instructions that ran: the steps that did not
// block.
func (m *Machine) Executed() uint64 { return m.steps - m.blocked }

// Status returns where the machine stands.
func (m *Machine) Status() Status { return m.status }

// TraceLen returns how many entries the trace holds so far (0 when
// tracing is disabled), without copying them: a driver notes it to say
// when the entries after it happened (host/sim's virtual-time marks).
func (m *Machine) TraceLen() int {
	if m.trace == nil {
		return 0
	}
	return m.trace.n
}

// Trace returns the trace recorded so far (nil when tracing is disabled).
// The caller must not modify the entries.
func (m *Machine) Trace() *trace.Trace {
	if m.trace == nil {
		return nil
	}
	return &trace.Trace{Header: m.header(), Entries: m.trace.entries()}
}

func (m *Machine) header() trace.Header {
	h := trace.Header{Format: trace.Format, Protocol: m.prog.Protocol.Name, Session: m.cfg.Session,
		SessionText: m.cfg.Session.String(), Scheduler: m.policy, Quantum: m.quantum, Capacity: m.cap,
		Budget: m.budget, Granularity: m.cfg.Granularity, Seed: m.cfg.Seed,
		ProtocolFile: m.prog.Protocol.Filename, ProtocolSource: string(m.prog.Protocol.Source)}
	for _, c := range m.cos {
		h.Roles = append(h.Roles, c.role)
		if p := c.priority; p != 0 {
			if h.Priorities == nil {
				h.Priorities = map[string]int{}
			}
			h.Priorities[c.role] = p
		}
	}
	return h
}

// Run runs the session until every local coroutine halts (Done), nothing
// can move without a delivery or a guard (Waiting), or a fault (Faulted,
// with the *Fault). It never blocks on the outside world except inside
// Effects calls, and never exceeds the step budget.
func (m *Machine) Run(ctx context.Context) (Status, error) {
	if m.status == Done || m.status == Faulted {
		return m.status, m.err()
	}
	if !m.started {
		m.started = true
		m.budget = m.computeBudget()
	}
	for _, c := range m.cos {
		c.denied = false
	}
	for {
		if m.allHalted() {
			if m.unread() > 0 {
				return m.failMachine(FaultContractViolation, "every role halted but messages are left unread in the buffers")
			}
			m.status = Done
			return Done, nil
		}
		if err := ctx.Err(); err != nil {
			f := faultFromError(err)
			f.Step = m.steps
			m.fault, m.status = f, Faulted
			return Faulted, f
		}
		if m.logEnded() {
			m.status = Waiting
			return Waiting, nil
		}
		c := m.pick()
		if c == nil {
			if m.remote || m.anyDenied() {
				m.status = Waiting
				return Waiting, nil
			}
			return m.failMachine(FaultContractViolation, "deadlock: every role is blocked on a buffer")
		}
		if m.turn(ctx, c) {
			return Faulted, m.fault
		}
	}
}

func (m *Machine) err() error {
	if m.fault != nil {
		return m.fault
	}
	return nil
}

func (m *Machine) computeBudget() uint64 {
	if m.cfg.MaxSteps > 0 {
		return m.cfg.MaxSteps
	}
	depths := make([]int, len(m.cos))
	for i, c := range m.cos {
		depths[i] = c.rc.Depth
	}
	return Budget(depths, m.buffered(), m.mult)
}

func (m *Machine) failMachine(kind FaultKind, msg string) (Status, error) {
	m.fault = &Fault{Kind: kind, PC: -1, Index: -1, Step: m.steps, Message: msg}
	m.status = Faulted
	return Faulted, m.fault
}

func (m *Machine) allHalted() bool {
	for _, c := range m.cos {
		if !c.halted {
			return false
		}
	}
	return true
}

func (m *Machine) anyDenied() bool {
	for _, c := range m.cos {
		if c.denied && !c.halted {
			return true
		}
	}
	return false
}

// unread counts the messages waiting for a local receiver; the outbox is
// the host's to carry.
func (m *Machine) unread() int { return m.buffered() - len(m.outbox) }

func (m *Machine) buffered() int {
	n := len(m.outbox)
	for _, f := range m.edges {
		if f != nil {
			n += f.size
		}
	}
	return n
}

// turn runs one scheduling turn of c: up to a quantum of steps, stopping
// at a block, a yield or a halt. It reports whether the machine faulted.
func (m *Machine) turn(ctx context.Context, c *coroutine) bool {
	for range m.quantum {
		if m.logEnded() {
			return false
		}
		if m.steps >= m.budget {
			m.fault = &Fault{Kind: FaultBoundExceeded, Role: c.role, PC: c.pc, Index: -1, Step: m.steps, Range: c.code[c.pc].Range,
				Message: fmt.Sprintf("the step budget of %d steps is spent", m.budget)}
			m.status = Faulted
			return true
		}
		m.steps++
		switch m.exec(ctx, c) {
		case progressed:
			m.progressed(c)
			continue
		case yielded, halted:
			m.progressed(c)
		case faulted:
			return true
		case blocked:
			m.blocked++
		}
		return false
	}
	return false
}

// progressed lets coroutines whose acquire was refused try again, since
// the step may have released the guard.
func (m *Machine) progressed(c *coroutine) {
	for _, o := range m.cos {
		if o != c {
			o.denied = false
		}
	}
}

// Binding returns the current value of a role's binding: how a host reads
// what a finished session computed.
func (m *Machine) Binding(role, name string) (effects.Value, bool) {
	for _, c := range m.cos {
		if c.role != role {
			continue
		}
		for i, s := range c.rc.Slots {
			if s == name {
				return c.regs[i], true
			}
		}
	}
	return effects.Value{}, false
}

// Bindings returns every binding of a role by name: what a host records
// of a finished session. Nil when the machine plays no such role.
func (m *Machine) Bindings(role string) map[string]effects.Value {
	var out map[string]effects.Value
	for _, c := range m.cos {
		if c.role != role {
			continue
		}
		if out == nil {
			out = map[string]effects.Value{}
		}
		for i, s := range c.rc.Slots {
			out[s] = c.regs[i]
		}
	}
	return out
}

// RunSession runs a whole session in one machine (every role, unless cfg
// names some) until it completes, and returns the machine for its trace
// and bindings. A session blocked on a refused guard is retried until the
// step budget runs out; one that waits for hosted roles is an error: drive
// such machines with Run, Drain and Deliver.
func RunSession(ctx context.Context, prog *Program, cfg Config) (*Machine, error) {
	m, err := NewMachine(prog, cfg)
	if err != nil {
		return nil, err
	}
	for {
		st, err := m.Run(ctx)
		switch {
		case err != nil:
			return m, err
		case st == Done:
			return m, nil
		case m.remote && !m.anyDenied():
			return m, fmt.Errorf("vm: the session waits for roles this machine does not run")
		}
	}
}
