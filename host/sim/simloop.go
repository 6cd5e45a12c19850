package sim

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/vm"
)

// The simulation loop. It is deterministic because everything that
// crosses between agents happens here, in one goroutine, in a fixed order
// (runs, then roles, in declaration order): machines run, their sends are
// flushed through each agent's router (guard chain included), envelopes
// are received and delivered, and when nothing can move, virtual time
// jumps to the next event — a delivery, a sleeper's deadline or a fault.
//
// A machine runs in a goroutine of its own only so that it can block in a
// virtual sleep (clock.sleep_ms on the shared sim-clock); the loop waits
// until every running machine has either returned or fallen asleep before
// it looks at any result, and handles results in declaration order.

type machineResult struct {
	sm     *simMachine
	status vm.Status
	err    error
}

type loop struct {
	s         *Simulation
	ctx       context.Context
	runs      []*simRun
	now       int64
	results   chan machineResult
	running   map[*simMachine]bool
	got       map[*simMachine]machineResult
	faults    []*scheduledFault
	bundle    *TraceBundle
	wallStart time.Time // production: wall-clock start; virtual time is zero
}

// pollInterval is how long a production run waits for the network when
// nothing else can move: envelopes arrive over real sockets.
const pollInterval = 2 * time.Millisecond

func (s *Simulation) run(ctx context.Context, runs []*simRun) (*Outcome, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	l := &loop{s: s, ctx: ctx, runs: runs, results: make(chan machineResult, 64),
		running: map[*simMachine]bool{}, got: map[*simMachine]machineResult{}}
	l.bundle = newTraceBundle(s.dep, s.cfg.Seed, s.cfg.Granularity)
	l.faults = schedule(s.dep.Faults)
	maxMs := s.cfg.MaxVirtualMs
	if s.cfg.Mode == effects.Production {
		l.wallStart = time.Now()
		if maxMs <= 0 {
			maxMs = time.Minute.Milliseconds()
		}
	}
	if maxMs <= 0 {
		maxMs = 24 * time.Hour.Milliseconds()
		for _, r := range runs {
			if r.deadline > 0 {
				maxMs = max(maxMs, r.deadline)
			}
		}
	}
	if l.wallStart.IsZero() {
		if err := l.applyFaults(); err != nil {
			return nil, err
		}
	} else if len(l.faults) > 0 {
		s.cfg.Logger.Warn("faults apply only in simulation; running without them", "faults", len(l.faults))
		l.faults = nil
	}
	for !l.finished() {
		if ctx.Err() != nil {
			l.failUnfinished(ctx.Err())
			break
		}
		progress, err := l.round()
		if err != nil {
			return nil, err
		}
		if progress {
			continue
		}
		next, ok, err := l.nextEvent()
		if err != nil {
			return nil, err
		}
		if !ok || next > maxMs {
			l.failUnfinished(fmt.Errorf("no progress possible at virtual time %dms: every role waits for a message or event that will never come", l.now))
			break
		}
		for _, r := range l.runs {
			if r.deadline > 0 && next > r.deadline && r.result.Err == nil && !r.done() {
				r.fail(r.deadline, &vm.Fault{Kind: vm.FaultTimeout, PC: -1, Index: -1,
					Message: fmt.Sprintf("run %q did not finish within its timeout (%dms of virtual time)", r.decl.Name, r.deadline)})
			}
		}
		if err := l.advance(next); err != nil {
			return nil, err
		}
	}
	cancel() // wakes roles still asleep in a run that ended without them
	l.stopRunning()
	return l.outcome(), nil
}

func (r *simRun) done() bool {
	for _, m := range r.machines {
		if !m.done {
			return false
		}
	}
	return true
}

func (r *simRun) fail(now int64, err error) {
	if r.result.Err == nil {
		r.result.Err, r.result.FinishedMs = err, now
	}
	for _, m := range r.machines {
		m.done = true
	}
}

func (l *loop) finished() bool {
	for _, r := range l.runs {
		if !r.done() {
			return false
		}
	}
	return true
}

func (l *loop) failUnfinished(err error) {
	for _, r := range l.runs {
		if !r.done() {
			r.fail(l.now, &vm.Fault{Kind: vm.FaultTimeout, PC: -1, Index: -1, Message: err.Error()})
		}
	}
}

// round runs every machine that can run, flushes sends and delivers what
// the network has, and reports whether anything moved.
func (l *loop) round() (bool, error) {
	progress := false
	before := map[*simMachine]uint64{}
	for _, r := range l.runs {
		for _, sm := range r.machines {
			if sm.done || sm.agent.down || l.running[sm] {
				continue
			}
			before[sm] = sm.m.Executed()
			l.start(sm)
		}
	}
	if err := l.quiesce(); err != nil {
		return false, err
	}
	for _, r := range l.runs {
		for _, sm := range r.machines {
			res, ok := l.got[sm]
			if !ok {
				continue
			}
			delete(l.got, sm)
			if sm.m.Executed() != before[sm] {
				progress = true
			}
			switch {
			case res.err != nil && !errors.Is(res.err, vm.ErrFinished):
				r.fail(l.now, res.err)
				progress = true
			case res.status == vm.Done:
				sm.done = true
				if r.done() && r.result.Err == nil {
					r.result.FinishedMs = l.now
				}
				progress = true
			}
		}
	}
	sent, err := l.flush()
	if err != nil {
		return false, err
	}
	delivered := l.receive()
	return progress || sent > 0 || delivered > 0, nil
}

func (l *loop) start(sm *simMachine) {
	l.running[sm] = true
	go func() {
		status, err := sm.m.Run(l.ctx)
		l.results <- machineResult{sm, status, err}
	}()
}

// quiesce waits until every running machine has returned or is asleep on
// the virtual clock.
func (l *loop) quiesce() error {
	for len(l.running) > 0 {
		ctx, cancel := context.WithCancel(l.ctx)
		asleep := l.sleepers(ctx, len(l.running))
		select {
		case res := <-l.results:
			cancel()
			delete(l.running, res.sm)
			l.got[res.sm] = res
		case <-asleep:
			cancel()
			return nil
		case <-l.ctx.Done():
			cancel()
			return l.ctx.Err()
		}
	}
	return nil
}

// sleepers returns a channel closed once n machines sleep on the virtual
// clock (until ctx ends); it never closes when the deployment has no
// shared clock, where no machine can sleep on virtual time.
func (l *loop) sleepers(ctx context.Context, n int) <-chan struct{} {
	ch := make(chan struct{})
	if l.s.clock == nil {
		return ch
	}
	go func() {
		if _, err := l.s.control(ctx, l.s.clock, "time_control.wait_for_sleepers", map[string]effects.Value{"n": effects.Int(int64(n))}); err == nil {
			close(ch)
		}
	}()
	return ch
}

// stopRunning ends machines still asleep when the loop ends (a run that
// timed out while one of its roles slept): their context is cancelled by
// the caller, and their results are collected so that no goroutine is
// left behind.
func (l *loop) stopRunning() {
	for len(l.running) > 0 {
		res := <-l.results
		delete(l.running, res.sm)
	}
}

// flush sends every message the idle machines have produced, through their
// agents' routers: the guard chain charges and signs each one.
func (l *loop) flush() (int, error) {
	n := 0
	for _, r := range l.runs {
		for _, sm := range r.machines {
			if l.running[sm] {
				continue
			}
			for _, msg := range sm.m.Drain() {
				to, ok := r.byRole[msg.To]
				if !ok {
					continue
				}
				env := guard.Envelope{Source: sm.agent.agent.AuthorityID(), Destination: to.agent.agent.AuthorityID(),
					Context: r.context, Payload: encodeMessage(msg)}
				_, err := sm.agent.agent.Invoke(l.ctx, "network.send_envelope",
					effects.Map(map[string]effects.Value{"envelope": env.Value()}))
				if err != nil {
					r.fail(l.now, fmt.Errorf("run %q: %s could not send %s to %s: %w", r.decl.Name, msg.From, msg.Label, msg.To, err))
					break
				}
				n++
			}
		}
	}
	return n, nil
}

// receive takes every envelope the network delivered to each agent and
// hands the messages to their machines, in order. Envelopes the guard
// chain refuses (a bad or replayed receipt, a duplicate) are dropped, as a
// transport would; so are envelopes reaching a crashed agent.
func (l *loop) receive() int {
	n := 0
	for _, a := range l.s.agents {
		for {
			v, err := a.agent.Invoke(l.ctx, "network.receive_envelope", effects.Map(nil))
			if err != nil {
				if errors.Is(err, effects.ErrDenied) {
					continue // refused by the guard chain: dropped
				}
				break
			}
			if v.IsNull() {
				break
			}
			if a.down {
				continue
			}
			env, err := guard.EnvelopeFromValue(v)
			if err != nil {
				continue
			}
			msg, err := decodeMessage(env.Payload)
			if err != nil {
				continue
			}
			if l.deliver(a, msg) {
				n++
			}
		}
	}
	for _, r := range l.runs {
		for _, sm := range r.machines {
			n += sm.flushHeld(l.running[sm])
		}
	}
	return n
}

func (l *loop) deliver(a *simAgent, msg vm.Message) bool {
	for _, r := range l.runs {
		if r.session != msg.Session {
			continue
		}
		sm, ok := r.byRole[msg.To]
		if !ok || sm.agent != a || sm.done {
			return false
		}
		edge := msg.From
		if msg.Seq < sm.nextIn[edge] {
			return false // a duplicate
		}
		sm.nextIn[edge] = msg.Seq + 1
		sm.held = append(sm.held, msg)
		return true
	}
	return false
}

// flushHeld delivers held messages in order until the inbox is full.
func (sm *simMachine) flushHeld(running bool) int {
	if running {
		return 0
	}
	n := 0
	for len(sm.held) > 0 {
		err := sm.m.Deliver(sm.held[0])
		if errors.Is(err, vm.ErrInboxFull) {
			break
		}
		if err != nil && !errors.Is(err, vm.ErrFinished) {
			sm.run.fail(0, err)
		}
		sm.held = sm.held[1:]
		n++
	}
	return n
}

// nextEvent is the earliest virtual time at which something will happen:
// a delivery, a sleeper's wake-up, or a scheduled fault.
func (l *loop) nextEvent() (int64, bool, error) {
	if !l.wallStart.IsZero() { // production: real time passes; look again shortly
		return time.Since(l.wallStart).Milliseconds() + pollInterval.Milliseconds(), true, nil
	}
	next, ok := int64(0), false
	consider := func(t int64) {
		if !ok || t < next {
			next, ok = t, true
		}
	}
	if l.s.network != nil {
		v, err := l.s.control(l.ctx, l.s.network, "network_control.next_delivery", nil)
		if err != nil {
			return 0, false, err
		}
		if t, isInt := v.AsInt(); isInt && !v.IsNull() {
			consider(t)
		}
	}
	if l.s.clock != nil {
		v, err := l.s.control(l.ctx, l.s.clock, "time_control.next_deadline", nil)
		if err != nil {
			return 0, false, err
		}
		if t, isInt := v.AsInt(); isInt && !v.IsNull() {
			consider(t)
		}
	}
	for _, f := range l.faults {
		if !f.applied {
			consider(f.at)
			break
		}
	}
	if ok && next < l.now {
		next = l.now
	}
	return next, ok, nil
}

// advance moves virtual time to t: the clock wakes its sleepers, the
// network delivers what is due, and faults due by t apply.
func (l *loop) advance(t int64) error {
	if !l.wallStart.IsZero() {
		wait := time.NewTimer(pollInterval)
		select {
		case <-wait.C:
		case <-l.ctx.Done():
			wait.Stop()
		}
		l.now = time.Since(l.wallStart).Milliseconds()
		return nil
	}
	if t > l.now {
		l.now = t
	}
	if l.s.clock != nil {
		if _, err := l.s.control(l.ctx, l.s.clock, "time_control.set_time", map[string]effects.Value{"ms": effects.Int(l.now)}); err != nil {
			return err
		}
	}
	if l.s.network != nil {
		if _, err := l.s.control(l.ctx, l.s.network, "network_control.tick", map[string]effects.Value{"now_ms": effects.Int(l.now)}); err != nil {
			return err
		}
	}
	return l.applyFaults()
}

func (l *loop) outcome() *Outcome {
	o := &Outcome{VirtualMs: l.now, Bundle: l.bundle}
	for _, r := range l.runs {
		for _, sm := range r.machines {
			taken, _ := sm.m.Steps()
			r.result.Steps += taken
		}
		o.Runs = append(o.Runs, r.result)
		l.bundle.addRun(r)
	}
	l.bundle.finish(o)
	return o
}

// encodeMessage is a VM message as an envelope payload: the canonical
// encoding of a map, so that it hashes and compares byte for byte.
func encodeMessage(m vm.Message) []byte {
	return effects.Map(map[string]effects.Value{
		"session": effects.Bytes(m.Session[:]), "from": effects.String(m.From), "to": effects.String(m.To),
		"seq": effects.Uint(m.Seq), "label": effects.String(m.Label), "payload": m.Payload,
	}).Canonical()
}

func decodeMessage(b []byte) (vm.Message, error) {
	v, err := effects.DecodeCanonical(b)
	if err != nil {
		return vm.Message{}, err
	}
	get := func(k string) effects.Value { f, _ := v.Get(k); return f }
	var m vm.Message
	sess, ok := get("session").AsBytes()
	if !ok || len(sess) != len(m.Session) {
		return m, errors.New("message without a session")
	}
	copy(m.Session[:], sess)
	m.From, _ = get("from").AsString()
	m.To, _ = get("to").AsString()
	m.Seq, _ = get("seq").AsUint()
	m.Label, _ = get("label").AsString()
	m.Payload = get("payload")
	return m, nil
}

func msDuration(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }
