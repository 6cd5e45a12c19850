package sdk

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// deadlineTimer enforces the deadlines of a stream's calls with one runtime
// timer, armed for the earliest deadline it was asked for. Arming a timer
// wakes an idle thread of the Go scheduler: on a 2-vCPU VM that costs ~5 µs
// on each side of a call, together about 4 % of a routed call (see
// BENCHMARKS.md), so calls do not get a timer each. A call whose deadline is later
// than the armed one costs nothing; when the timer fires, its owner expires
// the calls that are due and re-arms it for the next deadline.
//
// The owner keeps the deadlines and holds its own lock around arm and
// around the work of fire.
type deadlineTimer struct {
	fire  func() // runs in the timer's goroutine
	timer *time.Timer
	when  time.Time // zero: not armed
}

// arm makes sure the timer fires no later than deadline.
func (t *deadlineTimer) arm(deadline time.Time) {
	if !t.when.IsZero() && !deadline.Before(t.when) {
		return
	}
	t.when = deadline
	if t.timer == nil {
		t.timer = time.AfterFunc(time.Until(deadline), t.fire)
	} else {
		t.timer.Reset(time.Until(deadline))
	}
}

// fired is called by the owner's fire, under its lock, before it re-arms
// for the deadlines still pending.
func (t *deadlineTimer) fired() { t.when = time.Time{} }

// stop disarms the timer; its owner arms it no more.
func (t *deadlineTimer) stop() {
	if t.timer != nil {
		t.timer.Stop()
	}
	t.when = time.Time{}
}

// callContext is the context a plugin's handler gets for a call on a
// stream (or through a Local): a child of the stream's context, cancelled by
// the host's cancel entry or the stream's end, and carrying the call's
// deadline, which the inflight's deadlineTimer enforces. Err reports context.DeadlineExceeded
// once the deadline has passed, like a context.WithDeadline; a context
// derived from it reports context.Canceled with context.DeadlineExceeded
// as its context.Cause.
type callContext struct {
	context.Context
	cancel   context.CancelCauseFunc
	deadline time.Time // zero: none
	expired  atomic.Bool
}

// newCallContext returns a call's context under parent, ending at deadline
// (zero: none). A parent's own earlier deadline stays in charge.
func newCallContext(parent context.Context, deadline time.Time) *callContext {
	if pd, ok := parent.Deadline(); ok && !pd.After(deadline) {
		deadline = time.Time{}
	}
	ctx, cancel := context.WithCancelCause(parent)
	return &callContext{Context: ctx, cancel: cancel, deadline: deadline}
}

func (c *callContext) Deadline() (time.Time, bool) {
	if c.deadline.IsZero() {
		return c.Context.Deadline()
	}
	return c.deadline, true
}

func (c *callContext) Err() error {
	err := c.Context.Err()
	if err != nil && c.expired.Load() {
		return context.DeadlineExceeded
	}
	return err
}

// expire ends the call at its deadline, unless it has already ended.
func (c *callContext) expire() {
	if c.Context.Err() == nil {
		c.expired.Store(true)
		c.cancel(context.DeadlineExceeded)
	}
}

// abort cancels the call: the host cancelled it, or the stream ended.
func (c *callContext) abort() { c.cancel(context.Canceled) }

// due reports whether a deadline has passed at now.
func due(deadline, now time.Time) bool { return !deadline.IsZero() && !deadline.After(now) }

// inflight is the calls a plugin is running, by call ID, with their
// contexts; its deadlineTimer ends each at its deadline. A stream and a
// Local each keep one.
type inflight struct {
	mu    sync.Mutex
	calls map[uint64]*callContext
	timer deadlineTimer
	count atomic.Int32 // len(calls), read without mu
}

func newInflight() *inflight {
	f := &inflight{calls: map[uint64]*callContext{}}
	f.timer.fire = f.expire
	return f
}

// start registers a call with id under parent, ending at deadline (zero:
// none but parent's). It fails if id is already in flight.
func (f *inflight) start(parent context.Context, id uint64, deadline time.Time) (*callContext, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, dup := f.calls[id]; dup {
		return nil, false
	}
	cc := newCallContext(parent, deadline)
	f.calls[id] = cc
	f.count.Add(1)
	if !cc.deadline.IsZero() {
		f.timer.arm(cc.deadline)
	}
	return cc, true
}

// finish forgets a call that has returned and releases its context.
func (f *inflight) finish(id uint64) {
	f.mu.Lock()
	cc := f.calls[id]
	if cc != nil {
		delete(f.calls, id)
		f.count.Add(-1)
	}
	f.mu.Unlock()
	if cc != nil {
		cc.abort()
	}
}

// cancel cancels the calls with these IDs that are still in flight.
func (f *inflight) cancel(ids []uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		if cc, ok := f.calls[id]; ok {
			cc.abort()
		}
	}
}

// expire ends the calls that are due and re-arms the timer for the rest.
func (f *inflight) expire() {
	var expired []*callContext
	f.mu.Lock()
	f.timer.fired()
	now := time.Now()
	for _, cc := range f.calls {
		if due(cc.deadline, now) {
			expired = append(expired, cc)
		} else if !cc.deadline.IsZero() {
			f.timer.arm(cc.deadline)
		}
	}
	f.mu.Unlock()
	for _, cc := range expired {
		cc.expire()
	}
}

// stop disarms the timer once no call is left.
func (f *inflight) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.timer.stop()
}
