package tasks

import (
	"context"
	"time"
)

// Clock is the time source of the Supervisor's periodic tasks, injected so
// that tests and simulations decide when time passes.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep blocks until d has passed on this clock, or ctx ends. It returns
	// nil once the time has come, ctx.Err() if ctx ended first, or another
	// error if the clock itself failed. A d of 0 or less returns ctx.Err()
	// at once.
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock is the machine's clock. Its zero value is ready to use.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// Sleep waits for d on a timer that it stops on return, so an abandoned
// sleep leaves nothing behind.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
