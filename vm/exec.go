package vm

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/internal/compile"
	"github.com/aurahost/aura-host/vm/syntax"
	"github.com/aurahost/aura-host/vm/trace"
)

// outcome is what one step did.
type outcome uint8

const (
	progressed outcome = iota
	blocked            // nothing changed; the step runs again later
	yielded
	halted
	faulted
)

// exec runs c's next instruction as one atomic step. Every check, host
// request and evaluation happens before anything is changed; a step that
// blocks or faults leaves the buffers, registers, pc and monitor state as
// they were (its host requests stay in the trace: they happened).
func (m *Machine) exec(ctx context.Context, c *coroutine) outcome {
	in := &c.code[c.pc]
	if msg := c.monitorStep(in); msg != "" {
		return m.fail(c, in, FaultContractViolation, msg, nil)
	}
	switch in.Op {
	case compile.OpJump:
		c.pc = in.Target
		return progressed
	case compile.OpYield:
		c.pc++
		return yielded
	case compile.OpHalt:
		c.halted = true
		return halted
	case compile.OpSend, compile.OpChoose:
		return m.send(ctx, c, in)
	case compile.OpReceive, compile.OpOffer:
		return m.receive(c, in)
	case compile.OpInvoke:
		return m.invoke(ctx, c, in)
	case compile.OpAcquire, compile.OpRelease:
		return m.guard(ctx, c, in)
	case compile.OpSet, compile.OpMove:
		return m.set(ctx, c, in)
	case compile.OpNow, compile.OpRandom:
		return m.clockOrRandom(ctx, c, in)
	}
	return m.fail(c, in, FaultContractViolation, fmt.Sprintf("unknown instruction %s", in.Op), nil)
}

func (m *Machine) caller(c *coroutine) Caller {
	return Caller{Protocol: m.prog.Protocol.Name, Session: m.cfg.Session, Role: c.role, PC: c.pc, Step: m.steps}
}

// fail faults the machine at c's instruction.
func (m *Machine) fail(c *coroutine, in *compile.Instr, kind FaultKind, msg string, err error) outcome {
	f := &Fault{Kind: kind, Role: c.role, PC: c.pc, Step: m.steps, Index: -1, Range: in.Range, Message: msg, Err: err}
	var ee *compile.EvalError
	if errors.As(err, &ee) {
		f.Range = ee.Range
	}
	m.fault, m.status = f, Faulted
	return faulted
}

// failWith faults with the kind a host error maps to.
func (m *Machine) failWith(c *coroutine, in *compile.Instr, err error) outcome {
	f := faultFromError(err)
	f.Role, f.PC, f.Step = c.role, c.pc, m.steps
	if f.Range.Filename == "" {
		f.Range = in.Range
	}
	m.fault, m.status = f, Faulted
	return faulted
}

// record adds a trace entry; in replay a divergence faults the step.
func (m *Machine) record(c *coroutine, in *compile.Instr, e trace.Entry) outcome {
	if m.trace == nil {
		return progressed
	}
	e.OrderingKey, e.Role = m.steps, c.role
	if err := m.trace.add(&e); err != nil {
		return m.failWith(c, in, err)
	}
	return progressed
}

func entryError(err error) *trace.EntryError {
	if err == nil {
		return nil
	}
	e := effects.AsError(err)
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	return &trace.EntryError{Code: e.Code, Message: msg}
}

func (m *Machine) send(ctx context.Context, c *coroutine, in *compile.Instr) outcome {
	if !m.canSend(in.Edge, in.PeerIndex) {
		return blocked
	}
	arm := &in.Arms[0]
	if in.Op == compile.OpChoose {
		label, out := m.decide(ctx, c, in)
		if out != progressed {
			return out
		}
		if arm = in.ArmFor(label); arm == nil {
			return m.fail(c, in, FaultInvalidInput, fmt.Sprintf("the decision %q is not one of the labels %s", label, in.Labels), nil)
		}
	}
	var payload effects.Value
	switch {
	case arm.AskHost:
		req := &PayloadRequest{Caller: m.caller(c), Peer: in.Peer, Label: arm.Label.Name, Sort: arm.Label.Sort}
		v, err := m.effects.Payload(ctx, req)
		if out := m.record(c, in, trace.Entry{Kind: trace.KindPayload, Peer: in.Peer, Interface: trace.InterfaceHost, Operation: arm.Label.Name,
			Inputs: effects.String(string(arm.Label.Sort)), Outputs: v, Error: entryError(err)}); out != progressed {
			return out
		}
		if err != nil {
			return m.failWith(c, in, err)
		}
		payload = v
	case arm.Payload != nil:
		v, err := arm.Payload(c.regs)
		if err != nil {
			return m.fail(c, in, FaultInvalidInput, fmt.Sprintf("payload of %s: %v", arm.Label.Name, err), err)
		}
		payload = v
	}
	if !arm.Label.Sort.Accepts(payload) {
		return m.fail(c, in, FaultInvalidInput, fmt.Sprintf("payload of %s is %s, not %s", arm.Label.Name, payload.Kind(), arm.Label.Sort), nil)
	}
	k := in.Edge
	msg := Message{Session: m.cfg.Session, From: c.role, To: in.Peer, Seq: m.seqOut[k], Label: arm.Label.Name, Payload: payload}
	if out := m.record(c, in, trace.Entry{Kind: trace.KindSend, Peer: in.Peer, Interface: trace.InterfaceChannel, Operation: msg.Label,
		Inputs: payload, Outputs: effects.Uint(msg.Seq)}); out != progressed {
		return out
	}
	// Commit.
	if m.local[in.PeerIndex] {
		m.edges[k].push(msg)
	} else {
		m.outbox = append(m.outbox, msg)
		m.outLen[k]++
	}
	m.seqOut[k]++
	m.sent[k]++
	c.state, c.pc = arm.Next, arm.Target
	return progressed
}

// decide picks the label of a choice: by the local rule, or by asking
// the host.
func (m *Machine) decide(ctx context.Context, c *coroutine, in *compile.Instr) (string, outcome) {
	if in.DecideFn != nil {
		v, err := in.DecideFn(c.regs)
		if err != nil {
			return "", m.fail(c, in, FaultInvalidInput, fmt.Sprintf("decide: %v", err), err)
		}
		s, ok := v.AsString()
		if !ok {
			return "", m.fail(c, in, FaultInvalidInput, fmt.Sprintf("decide gave %s, not a label", v.Kind()), nil)
		}
		return s, progressed
	}
	labels := make([]string, len(in.Arms))
	for i, a := range in.Arms {
		labels[i] = a.Label.Name
	}
	label, err := m.effects.Decide(ctx, &DecisionRequest{Caller: m.caller(c), Peer: in.Peer, Labels: labels})
	out := m.record(c, in, trace.Entry{Kind: trace.KindDecide, Peer: in.Peer, Interface: trace.InterfaceHost, Inputs: in.Labels,
		Outputs: effects.String(label), Error: entryError(err)})
	if out != progressed {
		return "", out
	}
	if err != nil {
		return "", m.failWith(c, in, err)
	}
	return label, progressed
}

func (m *Machine) receive(c *coroutine, in *compile.Instr) outcome {
	k := in.Edge
	f := m.edges[k]
	if f.empty() {
		return blocked
	}
	msg := f.front()
	arm, violation := in.MatchMessage(msg.Label, msg.Payload)
	if violation != "" {
		return m.fail(c, in, FaultContractViolation, violation, nil)
	}
	if out := m.record(c, in, trace.Entry{Kind: trace.KindRecv, Peer: in.Peer, Interface: trace.InterfaceChannel, Operation: msg.Label,
		Inputs: effects.Uint(msg.Seq), Outputs: msg.Payload}); out != progressed {
		return out
	}
	// Commit.
	c.write(arm.Dst, msg.Payload)
	f.pop()
	m.recvd[k]++
	c.state, c.pc = arm.Next, arm.Target
	return progressed
}

// write stores v in a register or one element of a per-member binding.
func (c *coroutine) write(d compile.Dest, v effects.Value) {
	switch {
	case d.Slot < 0:
	case d.Index < 0:
		c.regs[d.Slot] = v
	default:
		items := append([]effects.Value(nil), c.regs[d.Slot].Items()...)
		items[d.Index] = v
		c.regs[d.Slot] = effects.List(items...)
	}
}

// advance commits a single-successor step.
func (c *coroutine) advance(in *compile.Instr) {
	c.state = in.Next
	c.pc++
}

func (m *Machine) invoke(ctx context.Context, c *coroutine, in *compile.Instr) outcome {
	args := effects.Null()
	if in.Eval != nil {
		v, err := in.Eval(c.regs)
		if err != nil {
			return m.fail(c, in, FaultInvalidInput, fmt.Sprintf("arguments of %s: %v", in.Action.Op, err), err)
		}
		args = v
	}
	inv := &invocation{ctx: callerContext{Context: ctx, who: c.who, pc: c.pc, step: m.steps},
		call: effects.Call{Op: in.Action.Op, Args: args, Authority: m.cfg.Authority, Context: m.cfg.Context, Session: m.cfg.Session}}
	v, err := m.effects.Invoke(&inv.ctx, &inv.call)
	if m.trace != nil {
		if out := m.recordInvoke(c, in, &inv.call, v, err); out != progressed {
			return out
		}
	}
	if err != nil {
		return m.failWith(c, in, err)
	}
	c.write(in.Dst, v)
	c.advance(in)
	return progressed
}

// recordInvoke records an invoke and its outcome. It is called only when
// tracing is on, so a run without a trace neither builds the entry nor
// asks the host which handler served the call.
func (m *Machine) recordInvoke(c *coroutine, in *compile.Instr, call *effects.Call, v effects.Value, err error) outcome {
	handler := ""
	if hi, ok := m.effects.(HandlerIdentifier); ok {
		handler = hi.HandlerIdentity(call.Op)
	}
	return m.record(c, in, trace.Entry{Kind: trace.KindInvoke, Interface: call.Op.Family(), Operation: string(call.Op), Handler: handler,
		Inputs: call.Args, Outputs: v, Error: entryError(err)})
}

func (m *Machine) guard(ctx context.Context, c *coroutine, in *compile.Instr) outcome {
	req := &GuardRequest{Caller: m.caller(c), Guard: in.Action.Guard}
	if in.Op == compile.OpRelease {
		err := m.effects.Release(ctx, req)
		if out := m.record(c, in, trace.Entry{Kind: trace.KindRelease, Interface: trace.InterfaceHost, Operation: req.Guard, Error: entryError(err)}); out != progressed {
			return out
		}
		if err != nil {
			return m.failWith(c, in, err)
		}
		c.advance(in)
		return progressed
	}
	granted, err := m.effects.Acquire(ctx, req)
	if out := m.record(c, in, trace.Entry{Kind: trace.KindAcquire, Interface: trace.InterfaceHost, Operation: req.Guard,
		Outputs: effects.Bool(granted && err == nil), Error: entryError(err)}); out != progressed {
		return out
	}
	if err != nil {
		return m.failWith(c, in, err)
	}
	if !granted {
		c.denied = true
		return blocked
	}
	c.advance(in)
	return progressed
}

func (m *Machine) set(ctx context.Context, c *coroutine, in *compile.Instr) outcome {
	var v effects.Value
	switch {
	case in.Op == compile.OpMove:
		v = c.regs[in.Src]
	case in.AskHost:
		name := in.Action.Result.String()
		sort := cmp.Or(in.Action.Sort, syntax.SortAny)
		req := &PayloadRequest{Caller: m.caller(c), Name: name, Sort: sort}
		hv, err := m.effects.Payload(ctx, req)
		if out := m.record(c, in, trace.Entry{Kind: trace.KindPayload, Interface: trace.InterfaceHost, Operation: name,
			Inputs: effects.String(string(sort)), Outputs: hv, Error: entryError(err)}); out != progressed {
			return out
		}
		if err != nil {
			return m.failWith(c, in, err)
		}
		v = hv
	default:
		ev, err := in.Eval(c.regs)
		if err != nil {
			return m.fail(c, in, FaultInvalidInput, fmt.Sprintf("set %s: %v", in.Action.Result, err), err)
		}
		v = ev
	}
	if !in.Action.Sort.Accepts(v) {
		return m.fail(c, in, FaultInvalidInput, fmt.Sprintf("set %s: the value is %s, not %s", in.Action.Result, v.Kind(), in.Action.Sort), nil)
	}
	c.write(in.Dst, v)
	c.advance(in)
	return progressed
}

func (m *Machine) clockOrRandom(ctx context.Context, c *coroutine, in *compile.Instr) outcome {
	var v effects.Value
	if in.Op == compile.OpNow {
		ms, err := m.effects.Now(ctx, &ClockRequest{Caller: m.caller(c)})
		if out := m.record(c, in, trace.Entry{Kind: trace.KindNow, Interface: trace.InterfaceHost, Operation: "now",
			Outputs: effects.Int(ms), Error: entryError(err)}); out != progressed {
			return out
		}
		if err != nil {
			return m.failWith(c, in, err)
		}
		v = effects.Int(ms)
	} else {
		n := in.Action.Bytes
		b, err := m.effects.Random(ctx, &RandomRequest{Caller: m.caller(c), Bytes: n})
		if out := m.record(c, in, trace.Entry{Kind: trace.KindRandom, Interface: trace.InterfaceHost, Operation: "random",
			Inputs: effects.Int(int64(n)), Outputs: effects.Bytes(b), Error: entryError(err)}); out != progressed {
			return out
		}
		if err != nil {
			return m.failWith(c, in, err)
		}
		if len(b) != n {
			return m.fail(c, in, FaultInvalidInput, fmt.Sprintf("the host gave %d random bytes, not %d", len(b), n), nil)
		}
		v = effects.Bytes(b)
	}
	c.write(in.Dst, v)
	c.advance(in)
	return progressed
}
