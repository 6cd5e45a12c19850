package vm

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/trace"
)

// Replayer is an Effects that answers from a recorded trace instead of the
// world: it needs no handler, no clock and no randomness. It checks every
// request against the trace and fails with a Determinism *Fault naming
// the first index where the run asks for something else. Replay and
// ReplayTrace run a machine on one and also check every message the run
// commits; used as a bare Effects it checks the host requests only.
type Replayer struct {
	trace *trace.Trace
	pos   int // the next entry to match
	// resume, set by Resume, is the machine being rebuilt: its blocked
	// turns are not logged, so it catches up to each entry's step
	// (catchUp).
	resume *Machine
}

// NewReplayer returns a Replayer over a full-granularity trace.
func NewReplayer(t *trace.Trace) (*Replayer, error) {
	if t.Header.Granularity != policy.Full {
		return nil, fmt.Errorf("vm: replay needs a full trace, this one is %s", t.Header.Granularity)
	}
	return &Replayer{trace: t}, nil
}

// Pos returns how many entries have been matched.
func (r *Replayer) Pos() int { return r.pos }

func (r *Replayer) diverge(format string, args ...any) *Fault {
	return &Fault{Kind: FaultDeterminism, PC: -1, Index: r.pos, Message: fmt.Sprintf(format, args...)}
}

// expect returns the recorded entry for a host request, after checking
// that the run asks for what was recorded.
func (r *Replayer) expect(live *trace.Entry) (*trace.Entry, error) {
	if r.pos >= len(r.trace.Entries) {
		return nil, r.diverge("the run asks for %s %q of %s, but the trace ends", live.Kind, live.Operation, live.Role)
	}
	rec := &r.trace.Entries[r.pos]
	r.catchUp(live, rec)
	if !rec.SameRequest(live) {
		return nil, r.diverge("the run asks for %s, the trace recorded %s", describeEntry(live), describeEntry(rec))
	}
	return rec, nil
}

// verify is the recorder's check of each entry the machine commits.
func (r *Replayer) verify(live *trace.Entry) error {
	if r.pos >= len(r.trace.Entries) {
		return r.diverge("the run records %s, but the trace ends", describeEntry(live))
	}
	rec := &r.trace.Entries[r.pos]
	r.catchUp(live, rec)
	if rec.EffectID != live.EffectID || !rec.SameRequest(live) || !rec.SameOutcome(live) {
		return r.diverge("the run records %s, the trace has %s", describeEntry(live), describeEntry(rec))
	}
	r.pos++
	return nil
}

func describeEntry(e *trace.Entry) string {
	s := fmt.Sprintf("%s by %s at step %d", e.Kind, e.Role, e.OrderingKey)
	if e.Operation != "" {
		s += fmt.Sprintf(" (%s", e.Operation)
		if e.Peer != "" {
			s += " with " + e.Peer
		}
		s += fmt.Sprintf(", inputs %s)", e.Inputs)
	}
	return s
}

func recordedError(rec *trace.Entry) error {
	if rec.Error == nil {
		return nil
	}
	return &effects.Error{Code: rec.Error.Code, Message: rec.Error.Message, Retryable: rec.Error.Code == effects.CodeUnavailable}
}

// Decide answers with the recorded decision.
func (r *Replayer) Decide(_ context.Context, req *DecisionRequest) (string, error) {
	labels := make([]effects.Value, len(req.Labels))
	for i, l := range req.Labels {
		labels[i] = effects.String(l)
	}
	rec, err := r.expect(&trace.Entry{OrderingKey: req.Step, Kind: trace.KindDecide, Role: req.Role, Peer: req.Peer, Interface: trace.InterfaceHost, Inputs: effects.List(labels...)})
	if err != nil {
		return "", err
	}
	s, _ := rec.Outputs.AsString()
	return s, recordedError(rec)
}

// Payload answers with the recorded value.
func (r *Replayer) Payload(_ context.Context, req *PayloadRequest) (effects.Value, error) {
	op := req.Label
	if req.Peer == "" {
		op = req.Name
	}
	rec, err := r.expect(&trace.Entry{OrderingKey: req.Step, Kind: trace.KindPayload, Role: req.Role, Peer: req.Peer, Interface: trace.InterfaceHost,
		Operation: op, Inputs: effects.String(string(req.Sort))})
	if err != nil {
		return effects.Value{}, err
	}
	return rec.Outputs, recordedError(rec)
}

// Invoke answers with the recorded result; no handler runs.
func (r *Replayer) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	c, _ := CallerFrom(ctx)
	rec, err := r.expect(&trace.Entry{OrderingKey: c.Step, Kind: trace.KindInvoke, Role: c.Role, Interface: call.Op.Family(),
		Operation: string(call.Op), Inputs: call.Args})
	if err != nil {
		return effects.Value{}, err
	}
	return rec.Outputs, recordedError(rec)
}

// HandlerIdentity reports the handler the trace recorded, so a replayed
// trace is identical to the recorded one.
func (r *Replayer) HandlerIdentity(effects.OpID) string {
	if r.pos < len(r.trace.Entries) {
		return r.trace.Entries[r.pos].Handler
	}
	return ""
}

// Acquire answers with the recorded grant or refusal.
func (r *Replayer) Acquire(_ context.Context, req *GuardRequest) (bool, error) {
	rec, err := r.expect(&trace.Entry{OrderingKey: req.Step, Kind: trace.KindAcquire, Role: req.Role, Interface: trace.InterfaceHost, Operation: req.Guard})
	if err != nil {
		return false, err
	}
	b, _ := rec.Outputs.AsBool()
	return b, recordedError(rec)
}

// Release answers as recorded.
func (r *Replayer) Release(_ context.Context, req *GuardRequest) error {
	rec, err := r.expect(&trace.Entry{OrderingKey: req.Step, Kind: trace.KindRelease, Role: req.Role, Interface: trace.InterfaceHost, Operation: req.Guard})
	if err != nil {
		return err
	}
	return recordedError(rec)
}

// Now answers with the recorded time.
func (r *Replayer) Now(_ context.Context, req *ClockRequest) (int64, error) {
	rec, err := r.expect(&trace.Entry{OrderingKey: req.Step, Kind: trace.KindNow, Role: req.Role, Interface: trace.InterfaceHost, Operation: "now"})
	if err != nil {
		return 0, err
	}
	ms, _ := rec.Outputs.AsInt()
	return ms, recordedError(rec)
}

// Random answers with the recorded bytes.
func (r *Replayer) Random(_ context.Context, req *RandomRequest) ([]byte, error) {
	rec, err := r.expect(&trace.Entry{OrderingKey: req.Step, Kind: trace.KindRandom, Role: req.Role, Interface: trace.InterfaceHost, Operation: "random",
		Inputs: effects.Int(int64(req.Bytes))})
	if err != nil {
		return nil, err
	}
	b, _ := rec.Outputs.AsBytes()
	return b, recordedError(rec)
}

// Replay runs prog against a recorded trace, configured as the header
// says, with no live handler. Messages the trace shows a hosted role
// receiving are delivered from the trace. It returns the replayed machine
// (its trace equals the recorded one) or a *Fault: Determinism with the
// first diverging index, or the fault the recorded run ended with.
func Replay(ctx context.Context, prog *Program, t *trace.Trace) (*Machine, error) {
	r, err := NewReplayer(t)
	if err != nil {
		return nil, err
	}
	h := t.Header
	if h.Protocol != prog.Protocol.Name {
		return nil, &Fault{Kind: FaultDeterminism, PC: -1, Index: 0,
			Message: fmt.Sprintf("the trace records protocol %q, not %q", h.Protocol, prog.Protocol.Name)}
	}
	m, err := NewMachine(prog, Config{Effects: r, Roles: h.Roles, Session: h.Session, Scheduler: h.Scheduler, Quantum: h.Quantum,
		Capacity: h.Capacity, MaxSteps: h.Budget, Priorities: h.Priorities, Seed: h.Seed, replay: r})
	if err != nil {
		return nil, err
	}
	for {
		if err := r.deliverRecorded(m); err != nil {
			return m, err
		}
		before := r.pos
		st, err := m.Run(ctx)
		if err != nil {
			return m, err
		}
		if st == Done {
			break
		}
		m.Drain()
		if r.pos == before && !r.nextIs(trace.KindDeliver) {
			return m, r.diverge("the run waits for a message, the trace has %s", r.describeNext())
		}
	}
	if r.pos < len(t.Entries) {
		return m, r.diverge("the run completed, the trace continues with %s", r.describeNext())
	}
	return m, nil
}

// ReplayTrace replays a trace that carries its protocol's source (every
// trace a machine records does): `aura-host trace replay out.jsonl`.
func ReplayTrace(ctx context.Context, t *trace.Trace) (*Machine, error) {
	if t.Header.ProtocolSource == "" {
		return nil, fmt.Errorf("vm: the trace of %q does not carry its protocol; replay it with Replay and the compiled program", t.Header.Protocol)
	}
	p, diags := Load([]byte(t.Header.ProtocolSource), t.Header.ProtocolFile)
	if !diags.HasErrors() {
		var prog *Program
		if prog, diags = Compile(p); !diags.HasErrors() {
			return Replay(ctx, prog, t)
		}
	}
	return nil, fmt.Errorf("vm: the protocol in the trace does not compile: %w", diags)
}

func (r *Replayer) describeNext() string {
	if r.pos >= len(r.trace.Entries) {
		return "nothing more"
	}
	return describeEntry(&r.trace.Entries[r.pos])
}

func (r *Replayer) nextIs(k trace.EffectKind) bool {
	return r.pos < len(r.trace.Entries) && r.trace.Entries[r.pos].Kind == k
}

// deliverRecorded performs the deliveries the trace records next, as the
// live host did between two runs of the machine.
func (r *Replayer) deliverRecorded(m *Machine) error {
	for r.nextIs(trace.KindDeliver) {
		if err := r.deliverOne(m); err != nil {
			return err
		}
	}
	return nil
}

// deliverOne performs the delivery the trace records next.
func (r *Replayer) deliverOne(m *Machine) error {
	e := &r.trace.Entries[r.pos]
	seq, _ := e.Inputs.AsUint()
	if err := m.Deliver(Message{Session: r.trace.Header.Session, From: e.Peer, To: e.Role, Seq: seq, Label: e.Operation, Payload: e.Outputs}); err != nil {
		if _, ok := err.(*Fault); ok {
			return err
		}
		return r.diverge("recorded delivery failed: %v", err)
	}
	return nil
}

// ReadTrace reads a trace written by trace.Trace.WriteJSONL, as
// trace.Read does, and reports an entry that does not parse or whose
// digest does not chain (the trace was altered at or before it) as a
// Determinism *Fault naming its index: the form a replay divergence takes.
func ReadTrace(r io.Reader) (*trace.Trace, error) {
	t, err := trace.Read(r)
	var corrupt *trace.CorruptError
	if errors.As(err, &corrupt) {
		return nil, &Fault{Kind: FaultDeterminism, PC: -1, Index: corrupt.Index, Message: corrupt.Message}
	}
	return t, err
}
