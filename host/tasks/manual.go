package tasks

import (
	"context"
	"fmt"
	"time"

	"github.com/aurahost/aura-host/internal/vclock"
)

// ManualClock is a Clock whose time moves only when Advance or
// AdvanceToNext is called, for tests and simulations that must not depend
// on real time. Make one with NewManualClock; all methods are safe for
// concurrent use.
//
// Advance wakes the due sleepers in a fixed order: by deadline, then by the
// order in which they began to sleep. The woken goroutines then run
// concurrently; a test that needs them one at a time wakes one deadline at
// a time with AdvanceToNext and waits for each to react. WaitForSleepers
// tells a test that the goroutines it started have gone to sleep, so it can
// advance time without racing them.
//
// The sleeper queue is package vclock's, counting nanoseconds after the
// start time: the clock reaches about 292 years after its start, and a
// sleep beyond that ends only by cancellation.
type ManualClock struct {
	start time.Time
	vc    *vclock.Clock // nanoseconds after start
}

// NewManualClock returns a clock reading start.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{start: start, vc: vclock.New(0)}
}

func (c *ManualClock) at(ns int64) time.Time { return c.start.Add(time.Duration(ns)) }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time { return c.at(c.vc.Now()) }

// Sleep blocks until the clock reaches Now()+d, or ctx ends. A sleeper
// woken by Advance returns nil even if ctx ends at the same moment: its
// time did come.
func (c *ManualClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	return c.vc.Sleep(ctx, int64(d))
}

// Advance moves the clock forward by d, wakes every sleeper whose deadline
// has come, and returns the new time. A negative d panics: time only moves
// forward, and asking otherwise is a bug in the test (as is moving the
// clock past about 292 years after its start).
func (c *ManualClock) Advance(d time.Duration) time.Time {
	now, err := c.vc.Advance(int64(d))
	if err != nil {
		panic(fmt.Sprintf("tasks: ManualClock.Advance(%v): %v", d, err))
	}
	return c.at(now)
}

// AdvanceToNext moves the clock to the earliest pending deadline, wakes the
// sleepers due then, and returns the new time. With nothing asleep it does
// nothing and returns false.
func (c *ManualClock) AdvanceToNext() (time.Time, bool) {
	now, ok := c.vc.AdvanceToNext()
	return c.at(now), ok
}

// Pending returns how many sleeps are waiting for time to pass.
func (c *ManualClock) Pending() int { return c.vc.Pending() }

// NextDeadline returns the earliest deadline of a pending sleep, and false
// when nothing sleeps.
func (c *ManualClock) NextDeadline() (time.Time, bool) {
	ns, ok := c.vc.NextDeadline()
	if !ok {
		return time.Time{}, false
	}
	return c.at(ns), true
}

// WaitForSleepers blocks until at least n sleeps are pending, or ctx ends:
// synchronisation on a condition, not on real time.
func (c *ManualClock) WaitForSleepers(ctx context.Context, n int) error {
	pending, err := c.vc.WaitPending(ctx, func(pending int) bool { return pending >= n })
	if err != nil {
		return fmt.Errorf("wait for %d sleepers (%d pending): %w", n, pending, err)
	}
	return nil
}
