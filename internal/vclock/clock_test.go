package vclock

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"testing"
	"time"
)

// waitCtx bounds a wait on a condition, so that a broken clock fails the
// test instead of hanging it.
func waitCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitFor is WaitPending until n sleeps are pending.
func waitFor(t *testing.T, c *Clock, n int) {
	t.Helper()
	if _, err := c.WaitPending(waitCtx(t), func(p int) bool { return p >= n }); err != nil {
		t.Fatal(err)
	}
}

// TestWakeOrder starts sleeps in a scrambled order and checks that one
// advance wakes them by deadline, and equal deadlines by start order.
// (Moved from plugins/simclock, whose Clock is now this one in ms.)
func TestWakeOrder(t *testing.T) {
	t.Parallel()
	c := New(0)
	type wake struct {
		deadline int64
		seq      uint64
	}
	var woken []wake
	c.SetOnWake(func(d int64, s uint64) { woken = append(woken, wake{d, s}) }) // called under c.mu
	deadlines := []int64{30, 10, 20, 10, 30, 5, 20}
	var wg sync.WaitGroup
	for i, d := range deadlines {
		wg.Go(func() {
			if err := c.Sleep(context.Background(), d); err != nil {
				t.Error(err)
			}
		})
		// Start the sleeps one at a time so that their start order (seq)
		// is the order of deadlines above.
		waitFor(t, c, i+1)
	}
	if d, _ := c.NextDeadline(); d != 5 {
		t.Fatalf("next deadline %d, want 5", d)
	}
	if now, err := c.Advance(25); err != nil || now != 25 {
		t.Fatalf("Advance = %d, %v", now, err)
	}
	if now, ok := c.AdvanceToNext(); !ok || now != 30 {
		t.Fatalf("AdvanceToNext = %d, %v; want 30", now, ok)
	}
	wg.Wait()
	want := []wake{{5, 6}, {10, 2}, {10, 4}, {20, 3}, {20, 7}, {30, 1}, {30, 5}}
	if !slices.Equal(woken, want) {
		t.Fatalf("woken %v, want %v", woken, want)
	}
	if now, ok := c.AdvanceToNext(); ok || now != 30 {
		t.Fatalf("AdvanceToNext with no sleeper = %d, %v; want 30, false", now, ok)
	}
}

func TestCancelledSleepLeavesTheQueue(t *testing.T) {
	t.Parallel()
	c := New(0)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.Sleep(ctx, 100) }()
	waitFor(t, c, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Sleep = %v, want context.Canceled", err)
	}
	if got := c.Pending(); got != 0 {
		t.Fatalf("Pending() after cancellation = %d, want 0", got)
	}
	if _, ok := c.NextDeadline(); ok {
		t.Fatal("a deadline is left after the only sleep was cancelled")
	}
	// Already cancelled, or of length 0: never queued.
	if err := c.Sleep(ctx, 100); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep(cancelled ctx) = %v, want context.Canceled", err)
	}
	if err := c.Sleep(t.Context(), 0); err != nil {
		t.Fatalf("Sleep(0) = %v, want nil", err)
	}
	if err := c.Sleep(t.Context(), -1); !errors.Is(err, ErrBackwards) {
		t.Fatalf("Sleep(-1) = %v, want ErrBackwards", err)
	}
	if got := c.Pending(); got != 0 {
		t.Fatalf("Pending() = %d, want 0", got)
	}
}

func TestMovesOnlyForward(t *testing.T) {
	t.Parallel()
	c := New(10)
	if now, err := c.Advance(-1); !errors.Is(err, ErrBackwards) || now != 10 {
		t.Fatalf("Advance(-1) = %d, %v; want 10, ErrBackwards", now, err)
	}
	if now, err := c.Set(9); !errors.Is(err, ErrBackwards) || now != 10 {
		t.Fatalf("Set(9) = %d, %v; want 10, ErrBackwards", now, err)
	}
	if now, err := c.Set(10); err != nil || now != 10 {
		t.Fatalf("Set(Now) = %d, %v; want a no-op", now, err)
	}
	if now, err := c.Advance(math.MaxInt64); !errors.Is(err, ErrOverflow) || now != 10 {
		t.Fatalf("Advance(MaxInt64) from 10 = %d, %v; want 10, ErrOverflow", now, err)
	}
	if c.Now() != 10 {
		t.Fatalf("a refused move changed the clock to %d", c.Now())
	}
}

// TestDeadlinePastTheEndSaturates: a sleep whose deadline overflows waits
// for the end of time, which only Set can reach.
func TestDeadlinePastTheEndSaturates(t *testing.T) {
	t.Parallel()
	c := New(1)
	done := make(chan error, 1)
	go func() { done <- c.Sleep(context.Background(), math.MaxInt64) }()
	waitFor(t, c, 1)
	if d, ok := c.NextDeadline(); !ok || d != math.MaxInt64 {
		t.Fatalf("NextDeadline() = %d, %t; want MaxInt64", d, ok)
	}
	if _, err := c.Set(math.MaxInt64 - 1); err != nil {
		t.Fatal(err)
	}
	if got := c.Pending(); got != 1 {
		t.Fatalf("woke before the end of time: Pending() = %d", got)
	}
	if now, ok := c.AdvanceToNext(); !ok || now != math.MaxInt64 {
		t.Fatalf("AdvanceToNext() = %d, %t", now, ok)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestWaitPendingReturnsTheCountAndHonoursContext(t *testing.T) {
	t.Parallel()
	c := New(0)
	if n, err := c.WaitPending(t.Context(), func(p int) bool { return p == 0 }); err != nil || n != 0 {
		t.Fatalf("WaitPending(already true) = %d, %v", n, err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if n, err := c.WaitPending(ctx, func(p int) bool { return p >= 1 }); !errors.Is(err, context.Canceled) || n != 0 {
		t.Fatalf("WaitPending(cancelled) = %d, %v; want 0, context.Canceled", n, err)
	}
	done := make(chan error, 2)
	for range 2 {
		go func() { done <- c.Sleep(context.Background(), 5) }()
	}
	if n, err := c.WaitPending(waitCtx(t), func(p int) bool { return p >= 2 }); err != nil || n != 2 {
		t.Fatalf("WaitPending(>= 2) = %d, %v", n, err)
	}
	c.Advance(5)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
