package vm

import (
	"context"
	"fmt"

	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/trace"
)

// Resume rebuilds a machine from the log of the steps it had committed —
// its full trace — and hands it cfg's live Effects to go on with: how a
// process that crashed mid-session takes its role up again from its
// durable record. The log is replayed as Replay does (no handler runs, no
// time passes, every entry is checked, a divergence is a Determinism
// *Fault), so the rebuilt machine holds exactly the state the log
// commits: its coroutines, buffers, sequence numbers and step count, and a
// trace equal to the log, to which live steps are then appended.
//
// Sends the log commits are not sent again: Resume returns them (in send
// order, as Drain would) with an empty outbox, for the caller to decide
// what its transport already carries. The replay stops the machine at the
// log's end, before its next step (logEnded): nothing live happens inside
// Resume, and a step the first machine was inside when it crashed (an
// effect that had not returned, so not logged) runs again live. Turns
// that blocked and changed nothing are not logged; the rebuilt machine
// counts them where the log's step numbers show them (catchUp), so its
// trace is the log, step numbers included, while the blocked turns the
// first machine took after its last entry are gone with it.
//
// cfg must describe the same session (protocol, roles, session ID) with
// full granularity; its Scheduler, Quantum, Capacity and budget are taken
// from the log's header, so the rebuilt machine schedules as the first did.
func Resume(ctx context.Context, prog *Program, cfg Config, log *trace.Trace) (*Machine, []Message, error) {
	if cfg.Effects == nil {
		return nil, nil, fmt.Errorf("vm: resume: Config.Effects is required")
	}
	if cfg.Granularity != policy.Full || log.Header.Granularity != policy.Full {
		return nil, nil, fmt.Errorf("vm: resume needs a full session log, this one is %s", log.Header.Granularity)
	}
	if log.Header.Protocol != prog.Protocol.Name || log.Header.Session != cfg.Session {
		return nil, nil, &Fault{Kind: FaultDeterminism, PC: -1, Index: 0,
			Message: fmt.Sprintf("the log records session %s of protocol %q, not session %s of %q",
				log.Header.Session, log.Header.Protocol, cfg.Session, prog.Protocol.Name)}
	}
	r, err := NewReplayer(log)
	if err != nil {
		return nil, nil, err
	}
	live := cfg.Effects
	h := log.Header
	cfg.Effects, cfg.replay = r, r
	cfg.Scheduler, cfg.Quantum, cfg.Capacity, cfg.MaxSteps, cfg.Priorities = h.Scheduler, h.Quantum, h.Capacity, h.Budget, h.Priorities
	m, err := NewMachine(prog, cfg)
	if err != nil {
		return nil, nil, err
	}
	r.resume = m
	sent, err := replayLog(ctx, m, r)
	if err != nil {
		return nil, nil, err
	}
	m.effects, m.cfg.Effects, m.cfg.replay, m.trace.replay = live, live, nil, nil
	return m, sent, nil
}

// replayLog runs m on r until every logged entry has been matched. The
// logged deliveries are made between runs, as the live host made them,
// and the outbox is drained after each run, as the host drained it. It
// returns what was drained. It never runs the machine past the log: after
// a last logged delivery the machine waits for its next live Run.
func replayLog(ctx context.Context, m *Machine, r *Replayer) ([]Message, error) {
	var sent []Message
	for {
		if err := r.deliverLogged(ctx, m, &sent); err != nil {
			return sent, err
		}
		if r.pos == len(r.trace.Entries) {
			return sent, nil
		}
		before := r.pos
		st, err := m.Run(ctx)
		sent = append(sent, m.Drain()...)
		if err != nil {
			return sent, err
		}
		if r.pos == len(r.trace.Entries) {
			return sent, nil
		}
		if st == Done || (r.pos == before && !r.nextIs(trace.KindDeliver)) {
			return sent, r.diverge("the rebuilt machine stops (%s), the log continues with %s", st, r.describeNext())
		}
	}
}

// deliverLogged makes the deliveries the log records next. A delivery
// logged at a later step than the machine has reached came after the first
// machine ran (steps the log does not record: a computation, turns that
// blocked), so the machine runs first, as that one did; a logged step it
// would take on the way is not the delivery the log has next, and diverges.
func (r *Replayer) deliverLogged(ctx context.Context, m *Machine, sent *[]Message) error {
	for r.nextIs(trace.KindDeliver) {
		if m.steps < r.trace.Entries[r.pos].OrderingKey {
			_, err := m.Run(ctx)
			*sent = append(*sent, m.Drain()...)
			if err != nil {
				return err
			}
		}
		if err := r.deliverOne(m); err != nil {
			return err
		}
	}
	return nil
}

// catchUp moves a machine being resumed on to the step at which the log
// recorded rec, when live comes earlier: the steps between are turns that
// blocked and changed nothing (a role waiting for a message while its
// host went round), which the log does not record but which the first
// machine counted. Only the step counter moves; a turn that changed
// anything is logged, so a log that skips one still diverges.
func (r *Replayer) catchUp(live, rec *trace.Entry) {
	m := r.resume
	if m == nil || live.OrderingKey >= rec.OrderingKey {
		return
	}
	m.skipBlocked(rec.OrderingKey)
	live.OrderingKey = rec.OrderingKey
}

// logEnded reports whether m is being resumed and must not take its next
// step now: it has replayed its whole log (it stops there, before its
// next step, even inside a turn, since the first machine may have crashed
// inside that step — an effect that had not returned — and the step runs
// again live), or the log's next entry is a delivery the first machine
// received at the step m has reached, before it took another turn (a
// turn there would be a blocked one the first machine never took, and
// the delivery would then come a step late). replayLog makes the delivery
// and runs m on.
func (m *Machine) logEnded() bool {
	r := m.cfg.replay
	if r == nil || r.resume != m {
		return false
	}
	if r.pos == len(r.trace.Entries) {
		return true
	}
	next := &r.trace.Entries[r.pos]
	return next.Kind == trace.KindDeliver && next.OrderingKey <= m.steps
}

// skipBlocked counts blocked turns until the step counter reaches step.
func (m *Machine) skipBlocked(step uint64) {
	if m.steps < step {
		m.blocked += step - m.steps
		m.steps = step
	}
}
