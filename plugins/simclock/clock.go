package simclock

import (
	"context"
	"fmt"

	"github.com/aurahost/aura-host/internal/vclock"
)

// Clock is a virtual clock in milliseconds. Its zero value is not usable:
// make one with NewClock. All methods are safe for concurrent use. The
// sleeper queue and its wake order are package vclock's; Clock adds the
// millisecond unit and the errors the plugin's callers read.
type Clock struct {
	vc *vclock.Clock
}

// NewClock returns a clock reading start milliseconds.
func NewClock(start int64) *Clock { return &Clock{vc: vclock.New(start)} }

// Now returns the virtual time.
func (c *Clock) Now() int64 { return c.vc.Now() }

// Sleep blocks until the virtual time reaches Now()+ms, or ctx ends (then
// it returns ctx.Err()). A sleep of 0 returns at once. A deadline past the
// largest time saturates there: such a sleep ends only by cancellation or
// by setting the clock to its very end.
func (c *Clock) Sleep(ctx context.Context, ms int64) error {
	if ms < 0 {
		return fmt.Errorf("sleep of %d ms: must be 0 or more", ms)
	}
	return c.vc.Sleep(ctx, ms)
}

// Advance moves the clock forward by ms and returns the new time, waking
// every sleeper whose deadline has come, in deadline order.
func (c *Clock) Advance(ms int64) (int64, error) {
	if ms < 0 {
		return 0, fmt.Errorf("advance by %d ms: time only moves forward", ms)
	}
	to, err := c.vc.Advance(ms)
	if err != nil {
		return 0, fmt.Errorf("advance by %d ms from %d overflows the clock", ms, to)
	}
	return to, nil
}

// Set moves the clock to ms, which must not be before Now, and wakes the
// sleepers whose deadline has come.
func (c *Clock) Set(ms int64) error {
	if now, err := c.vc.Set(ms); err != nil {
		return fmt.Errorf("set the clock to %d ms: it reads %d and time only moves forward", ms, now)
	}
	return nil
}

// AdvanceToNext jumps to the earliest pending deadline, wakes the sleepers
// due then and returns the new time; with no sleeper it does nothing and
// returns false.
func (c *Clock) AdvanceToNext() (int64, bool) { return c.vc.AdvanceToNext() }

// NextDeadline returns the earliest deadline of a pending sleeper, so that
// a simulator can jump straight to it.
func (c *Clock) NextDeadline() (int64, bool) { return c.vc.NextDeadline() }

// PendingSleepers returns how many sleeps are waiting for time to pass.
func (c *Clock) PendingSleepers() int { return c.vc.Pending() }

// WaitForSleepers blocks until at least n sleeps are pending, or ctx ends.
// A simulator uses it to know that the calls it started have begun to
// sleep before it advances time — synchronisation on a condition, not on
// real time.
func (c *Clock) WaitForSleepers(ctx context.Context, n int) error {
	_, err := c.vc.WaitPending(ctx, func(pending int) bool { return pending >= n })
	return err
}

// waitPending blocks until cond holds of the number of pending sleepers,
// and returns that number: the count that made cond hold, which later
// sleeps and wake-ups may since have changed.
func (c *Clock) waitPending(ctx context.Context, cond func(pending int) bool) (int, error) {
	return c.vc.WaitPending(ctx, cond)
}
