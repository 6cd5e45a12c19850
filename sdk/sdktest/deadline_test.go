package sdktest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

// handlerEnd is what a blocking handler saw of its context.
type handlerEnd struct {
	deadline    time.Time
	hasDeadline bool
	err, cause  error // of the call's context, and of one derived from it
}

func waitingPlugin(seen chan<- handlerEnd) *sdk.Plugin {
	return &sdk.Plugin{
		Name: "waiter", Version: "1.0.0",
		Operations: []sdk.Operation{{
			Spec: sdk.OpSpec{ID: "waiter.wait", Result: sdk.KindNull, Determinism: sdk.ReadsWorld},
			Handle: func(ctx context.Context, _ *sdk.Call) (sdk.Value, error) {
				derived, cancel := context.WithCancel(ctx)
				defer cancel()
				<-derived.Done()
				dl, ok := ctx.Deadline()
				seen <- handlerEnd{deadline: dl, hasDeadline: ok, err: ctx.Err(), cause: context.Cause(derived)}
				return sdk.Null(), ctx.Err()
			},
		}},
	}
}

// A deadline given to InvokeWithDeadline, with no timer in the caller's
// context, ends the call on both sides: the caller gets a timeout no
// earlier than the deadline, and the handler's context reports the
// deadline and expires with context.DeadlineExceeded.
func TestStreamDeadlineEndsTheCallOnBothSides(t *testing.T) {
	seen := make(chan handlerEnd, 1)
	h := sdktest.New(t, waitingPlugin(seen))
	deadline := time.Now().Add(30 * time.Millisecond)
	_, err := h.Stream.InvokeWithDeadline(context.Background(), &effects.Call{Op: "waiter.wait"}, deadline)
	if !errors.Is(err, effects.ErrTimeout) {
		t.Fatalf("got %v, want timeout", err)
	}
	if now := time.Now(); now.Before(deadline) {
		t.Fatalf("timed out %v before the deadline", deadline.Sub(now))
	}
	end := <-seen
	if !end.hasDeadline || end.deadline.Before(deadline) {
		t.Fatalf("handler's deadline = %v (set: %v), want one no earlier than the caller's %v", end.deadline, end.hasDeadline, deadline)
	}
	if !errors.Is(end.err, context.DeadlineExceeded) || !errors.Is(end.cause, context.DeadlineExceeded) {
		t.Fatalf("handler's context ended with %v (derived: cause %v), want deadline exceeded", end.err, end.cause)
	}
}

// Calls in flight together each end at their own deadline, whatever order
// they were made in, and a call without one is untouched by the others'.
func TestStreamDeadlinesEndEachCallAtItsOwn(t *testing.T) {
	seen := make(chan handlerEnd, 8)
	h := sdktest.New(t, waitingPlugin(seen))
	start := time.Now()
	type outcome struct {
		deadline time.Time
		at       time.Time
		err      error
	}
	out := make(chan outcome, 8)
	for _, ms := range []int{60, 20, 40, 20, 80} {
		deadline := start.Add(time.Duration(ms) * time.Millisecond)
		go func() {
			_, err := h.Stream.InvokeWithDeadline(context.Background(), &effects.Call{Op: "waiter.wait"}, deadline)
			out <- outcome{deadline, time.Now(), err}
		}()
	}
	ctx, cancel := context.WithCancel(context.Background())
	open := make(chan error, 1)
	go func() {
		_, err := h.Stream.Invoke(ctx, &effects.Call{Op: "waiter.wait"})
		open <- err
	}()
	for range 5 {
		o := <-out
		if !errors.Is(o.err, effects.ErrTimeout) || o.at.Before(o.deadline) {
			t.Fatalf("call with deadline %v: %v at %v", o.deadline.Sub(start), o.err, o.at.Sub(start))
		}
	}
	select {
	case err := <-open:
		t.Fatalf("the call without a deadline ended with the others: %v", err)
	default:
	}
	cancel()
	if err := <-open; !errors.Is(err, effects.ErrCancelled) {
		t.Fatalf("cancelled call: got %v", err)
	}
}
