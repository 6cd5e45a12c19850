package sdk

import (
	"context"
	"sync/atomic"
	"time"
)

// deadlineTimer enforces the deadlines of a stream's calls with one runtime
// timer, armed for the earliest deadline it was asked for. Arming a timer
// wakes an idle thread of the Go scheduler: on a 2-vCPU VM that costs ~5 µs
// on each side of a call, a tenth of what a whole call over the stream
// costs, so calls do not get a timer each. A call whose deadline is later
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

// stop disarms the timer for good.
func (t *deadlineTimer) stop() {
	if t.timer != nil {
		t.timer.Stop()
	}
	t.when = time.Time{}
}

// callContext is the context a plugin's handler gets for a call on the
// stream: a child of the stream's context, cancelled by the host's cancel
// entry or the stream's end, and carrying the call's deadline, which the
// stream's deadlineTimer enforces. Err reports context.DeadlineExceeded
// once the deadline has passed, like a context.WithDeadline; a context
// derived from it reports context.Canceled with context.DeadlineExceeded
// as its context.Cause.
type callContext struct {
	context.Context
	cancel   context.CancelCauseFunc
	deadline time.Time // zero: none
	expired  atomic.Bool
}

func newCallContext(parent context.Context, deadline time.Time) *callContext {
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
