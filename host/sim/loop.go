package sim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/sim/swarm"
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

// loop drives the runs to their end: rounds of running machines
// (executor) and exchanging their messages (postOffice), and when nothing
// moves, time jumps to the next event (timeline).
type loop struct {
	ctx    context.Context
	runs   []*simRun
	exec   *executor
	post   *postOffice
	time   *timeline
	bundle *TraceBundle
	drawn  []*config.Fault // the swarm block's faults for this seed, or Config.Faults
	// invariants are checked after every step (invariant.go); obs is
	// what they read, nil when there are none.
	invariants []Invariant
	obs        *observations
	faultsEnd  int64
	violation  *InvariantViolation
}

func (s *Simulation) run(ctx context.Context, runs []*simRun) (*Outcome, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	l := &loop{ctx: ctx, runs: runs, exec: newExecutor(ctx, s.clock, s.periodicTasks),
		bundle: newTraceBundle(s.dep, s.cfg.Seed, s.cfg.Granularity)}
	l.post = &postOffice{ctx: ctx, logger: s.cfg.Logger, runs: runs, agents: s.agents, running: l.exec.isRunning, early: &s.early}
	// The post office takes only its runs' envelopes (per source and
	// context), leaving other contexts' — the sync and hold services' — in
	// the inbox for them, in simulation as in production.
	l.post.sources, l.post.contexts = s.runAddresses()
	if l.invariants = invariantsOf(s.cfg); len(l.invariants) > 0 {
		l.obs = &observations{}
		l.post.obs = l.obs
	}
	l.post.deliverEarly()
	faults := s.dep.Faults
	if s.cfg.Mode != effects.Production && (s.dep.Swarm != nil || s.cfg.Faults != nil) {
		l.drawn = s.cfg.Faults // a schedule replayed as given (Config.Faults)
		if l.drawn == nil {
			l.drawn = swarm.Draw(s.dep.Swarm, s.agentNames(), s.agentPlugins(), s.dep.Faults, s.cfg.Seed)
		}
		addSwarm(l.bundle, l.drawn)
		faults = append(slices.Clone(faults), l.drawn...)
	}
	l.time = &timeline{ctx: ctx, s: s, faults: schedule(faults), bundle: l.bundle, runs: runs, exec: l.exec}
	if len(l.invariants) > 0 {
		l.faultsEnd = faultsEnd(l.time.faults)
	}
	if s.cfg.Mode == effects.Production {
		l.time.wallStart = time.Now()
	}
	maxMs := maxVirtualMs(s.cfg, runs)
	if l.time.wallStart.IsZero() {
		l.time.cover = newCoverage(l.time.faults)
		if err := l.time.applyFaults(); err != nil {
			return nil, err
		}
	} else if len(l.time.faults) > 0 {
		s.cfg.Logger.Warn("faults apply only in simulation; running without them", "faults", len(l.time.faults))
		l.time.faults = nil
	}
	if err := l.drive(maxMs); err != nil {
		return nil, err
	}
	covered, err := l.time.finishCoverage()
	if err != nil {
		return nil, err
	}
	if l.violation == nil {
		if iv := l.check(true); iv != nil {
			l.violated(iv)
		}
	}
	cancel() // wakes roles still asleep in a run that ended without them
	l.exec.stopRunning()
	// Every run has ended, done or faulted: its agents forget the guards
	// its roles still held or waited for (no contention for later runs).
	for _, r := range runs {
		for _, sm := range r.machines {
			sm.agent.agent.Router().SessionGuards().EndSession(r.session)
		}
	}
	o := l.outcome()
	o.Coverage = covered
	return o, nil
}

// maxVirtualMs is when a simulation that has not finished ends:
// Config.MaxVirtualMs, else a minute of wall-clock time in production, else
// a day of virtual time or the longest run timeout.
func maxVirtualMs(cfg Config, runs []*simRun) int64 {
	maxMs := cfg.MaxVirtualMs
	if cfg.Mode == effects.Production && maxMs <= 0 {
		maxMs = time.Minute.Milliseconds()
		for _, r := range runs {
			maxMs = max(maxMs, r.deadline)
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
	return maxMs
}

// drive runs rounds until every run has ended, moving time on when no
// round makes progress.
func (l *loop) drive(maxMs int64) error {
	l.markTimes(l.time.now)
	for !l.finished() {
		if l.ctx.Err() != nil {
			l.failUnfinished(l.ctx.Err())
			return nil
		}
		progress, err := l.round()
		if err != nil {
			return err
		}
		if l.obs != nil {
			if iv := l.check(false); iv != nil {
				l.violated(iv)
				return nil
			}
			l.obs.step++
		}
		if progress {
			continue
		}
		next, ok, err := l.time.nextEvent()
		if err != nil {
			return err
		}
		if !ok || next > maxMs {
			if !l.time.wallStart.IsZero() {
				l.failUnfinished(fmt.Errorf("timed out after %v: a role still waits for a message from a peer (is every peer running and reachable? its log says why it stopped)", time.Duration(maxMs)*time.Millisecond))
				return nil
			}
			l.failUnfinished(fmt.Errorf("no progress possible at virtual time %dms: every role waits for a message or event that will never come", l.time.now))
			return nil
		}
		l.timeOut(next)
		l.markTimes(next) // before advance: a machine it wakes records at next
		if err := l.time.advance(next); err != nil {
			return err
		}
		if l.obs != nil {
			l.obs.now = next
		}
	}
	return nil
}

// markTimes notes, in every machine still running, that its entries
// from here on happen at ms (simMachine.markTime). Every machine has
// returned or sleeps here, so none records while it is read.
func (l *loop) markTimes(ms int64) {
	for _, r := range l.runs {
		for _, sm := range r.machines {
			if !sm.done {
				sm.markTime(ms)
			}
		}
	}
}

// timeOut fails the runs whose timeout passes before next.
func (l *loop) timeOut(next int64) {
	for _, r := range l.runs {
		if r.deadline > 0 && next > r.deadline && r.result.Err == nil && !r.done() {
			r.fail(r.deadline, &vm.Fault{Kind: vm.FaultTimeout, PC: -1, Index: -1,
				Message: fmt.Sprintf("run %q did not finish within its timeout (%dms of virtual time)", r.decl.Name, r.deadline)})
		}
	}
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
			r.fail(l.time.now, &vm.Fault{Kind: vm.FaultTimeout, PC: -1, Index: -1, Message: err.Error()})
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
			if sm.done || sm.agent.down || l.exec.isRunning(sm) {
				continue
			}
			before[sm] = sm.m.Executed()
			l.exec.start(sm)
		}
	}
	if err := l.exec.quiesce(); err != nil {
		return false, err
	}
	for _, r := range l.runs {
		for _, sm := range r.machines {
			res, ok := l.exec.take(sm)
			if !ok {
				continue
			}
			if sm.m.Executed() != before[sm] {
				progress = true
			}
			switch {
			case res.err != nil && !errors.Is(res.err, vm.ErrFinished):
				r.fail(l.time.now, res.err)
				progress = true
			case res.status == vm.Done:
				sm.done = true
				if r.done() && r.result.Err == nil {
					r.result.FinishedMs = l.time.now
				}
				progress = true
			}
		}
	}
	sent, err := l.post.flush(l.time.now)
	if err != nil {
		return false, err
	}
	delivered := l.post.receive()
	if l.obs != nil {
		l.obs.sent = sent
	}
	return progress || sent > 0 || delivered > 0, nil
}

func (l *loop) outcome() *Outcome {
	o := &Outcome{VirtualMs: l.time.now, Bundle: l.bundle, Drawn: l.drawn, Violation: l.violation}
	for _, r := range l.runs {
		for _, sm := range r.machines {
			taken, _ := sm.m.Steps()
			r.result.Steps += taken
		}
		o.Runs = append(o.Runs, r.result)
		addRun(l.bundle, r)
	}
	finish(l.bundle, o)
	return o
}
