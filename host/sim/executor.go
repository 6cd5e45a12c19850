package sim

import (
	"context"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/vm"
)

type machineResult struct {
	sm     *simMachine
	status vm.Status
	err    error
}

// executor runs machines, each in a goroutine of its own only so that it
// can block in a virtual sleep, and collects their results: the loop looks
// at none until every running machine has returned or fallen asleep.
type executor struct {
	ctx   context.Context
	clock *sdk.Local // the shared sim-clock, or nil
	// background counts the agents' periodic tasks alive now (a builtin
	// service's tick: cover traffic, hold GC): each sleeps on the shared
	// clock between its runs, so a round is quiet only once they sleep too.
	background func() int
	results    chan machineResult
	running    map[*simMachine]bool
	cancels    map[*simMachine]context.CancelFunc // ends a running machine's Run (kill)
	got        map[*simMachine]machineResult      // results not yet handled
}

func newExecutor(ctx context.Context, clock *sdk.Local, background func() int) *executor {
	return &executor{ctx: ctx, clock: clock, background: background, results: make(chan machineResult, 64),
		running: map[*simMachine]bool{}, cancels: map[*simMachine]context.CancelFunc{}, got: map[*simMachine]machineResult{}}
}

// isRunning reports whether sm runs (or sleeps) now.
func (e *executor) isRunning(sm *simMachine) bool { return e.running[sm] }

// take returns sm's result since the last call, if it has one.
func (e *executor) take(sm *simMachine) (machineResult, bool) {
	res, ok := e.got[sm]
	if ok {
		delete(e.got, sm)
	}
	return res, ok
}

func (e *executor) start(sm *simMachine) {
	e.running[sm] = true
	ctx, cancel := context.WithCancel(e.ctx)
	e.cancels[sm] = cancel
	m := sm.m
	go func() {
		status, err := m.Run(ctx)
		e.results <- machineResult{sm, status, err}
	}()
}

// returned notes that a machine's Run has returned.
func (e *executor) returned(res machineResult) {
	delete(e.running, res.sm)
	if cancel, ok := e.cancels[res.sm]; ok {
		cancel()
		delete(e.cancels, res.sm)
	}
}

// kill ends the Run of sm, asleep on the virtual clock, because its agent
// crashed: its context is cancelled and its result, once it returns, is
// dropped with the machine. Call it with every machine returned or asleep
// (quiesce): only sm then moves, and results of others that returned
// before are kept for take.
func (e *executor) kill(sm *simMachine) {
	if !e.running[sm] {
		return
	}
	e.cancels[sm]()
	for e.running[sm] {
		res := <-e.results
		e.returned(res)
		if res.sm != sm {
			e.got[res.sm] = res
		}
	}
	delete(e.got, sm)
}

// quiesce waits until every running machine has returned or is asleep on
// the virtual clock, and every periodic task of the agents sleeps too: what
// those tasks do between two sleeps (a service's tick, sending envelopes)
// happens while the loop waits, never while it flushes or delivers, so a
// seed still gives one trace.
func (e *executor) quiesce() error {
	for {
		n := len(e.running) + e.background()
		if n == 0 || e.clock == nil && len(e.running) == 0 {
			return nil
		}
		ctx, cancel := context.WithCancel(e.ctx)
		asleep := e.sleepers(ctx, n)
		select {
		case res := <-e.results:
			cancel()
			e.returned(res)
			e.got[res.sm] = res
		case <-asleep:
			cancel()
			return nil
		case <-e.ctx.Done():
			cancel()
			return e.ctx.Err()
		}
	}
}

// sleepers returns a channel closed once n machines sleep on the virtual
// clock (until ctx ends); it never closes when the deployment has no
// shared clock, where no machine can sleep on virtual time.
func (e *executor) sleepers(ctx context.Context, n int) <-chan struct{} {
	ch := make(chan struct{})
	if e.clock == nil {
		return ch
	}
	go func() {
		if _, err := control(ctx, e.clock, "time_control.wait_for_sleepers", map[string]effects.Value{"n": effects.Int(int64(n))}); err == nil {
			close(ch)
		}
	}()
	return ch
}

// stopRunning ends machines still asleep when the loop ends (a run that
// timed out while one of its roles slept): their context is cancelled by
// the caller, and their results are collected so that no goroutine is
// left behind.
func (e *executor) stopRunning() {
	for len(e.running) > 0 {
		e.returned(<-e.results)
	}
}
