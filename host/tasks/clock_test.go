package tasks_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aurahost/aura-host/host/tasks"
)

func TestRealClockSleepHonoursContext(t *testing.T) {
	noLeaks(t)
	var c tasks.RealClock
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := c.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep(cancelled ctx, 1h) = %v, want context.Canceled", err)
	}
	if err := c.Sleep(t.Context(), 0); err != nil {
		t.Fatalf("Sleep(0) = %v, want nil", err)
	}
	if err := c.Sleep(t.Context(), time.Nanosecond); err != nil {
		t.Fatalf("Sleep(1ns) = %v, want nil", err)
	}
	if c.Now().IsZero() {
		t.Fatal("RealClock.Now() is the zero time")
	}
}

// startSleeper starts a goroutine sleeping d on c and waits until its sleep
// is registered, so that sleepers register in the order they are started.
func startSleeper(t *testing.T, c *tasks.ManualClock, d time.Duration) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	before := c.Pending()
	go func() { done <- c.Sleep(context.Background(), d) }()
	if err := c.WaitForSleepers(waitCtx(t), before+1); err != nil {
		t.Fatal(err)
	}
	return done
}

func TestManualClockWakesInDeadlineThenRegistrationOrder(t *testing.T) {
	noLeaks(t)
	c := tasks.NewManualClock(t0)
	var woke []uint64
	tasks.SetOnWake(c, func(_ time.Time, seq uint64) { woke = append(woke, seq) })

	a := startSleeper(t, c, 3*time.Second) // seq 1
	b := startSleeper(t, c, 1*time.Second) // seq 2
	d := startSleeper(t, c, 3*time.Second) // seq 3
	e := startSleeper(t, c, 1*time.Second) // seq 4

	if got := c.Pending(); got != 4 {
		t.Fatalf("Pending() = %d, want 4", got)
	}
	if next, ok := c.NextDeadline(); !ok || !next.Equal(t0.Add(time.Second)) {
		t.Fatalf("NextDeadline() = %v, %t; want %v, true", next, ok, t0.Add(time.Second))
	}

	if now := c.Advance(5 * time.Second); !now.Equal(t0.Add(5 * time.Second)) {
		t.Fatalf("Advance returned %v, want %v", now, t0.Add(5*time.Second))
	}
	if want := []uint64{2, 4, 1, 3}; !slices.Equal(woke, want) {
		t.Fatalf("woke sleepers %v, want %v (deadline order, then registration order)", woke, want)
	}
	for _, ch := range []<-chan error{a, b, d, e} {
		if err := <-ch; err != nil {
			t.Fatalf("woken Sleep returned %v, want nil", err)
		}
	}
	if got := c.Pending(); got != 0 {
		t.Fatalf("Pending() after waking all = %d, want 0", got)
	}
	if _, ok := c.NextDeadline(); ok {
		t.Fatal("NextDeadline() reports a deadline with nothing asleep")
	}
}

func TestManualClockAdvanceWakesOnlyDueSleepers(t *testing.T) {
	noLeaks(t)
	c := tasks.NewManualClock(t0)
	short := startSleeper(t, c, time.Second)
	long := startSleeper(t, c, time.Minute)

	c.Advance(999 * time.Millisecond)
	if got := c.Pending(); got != 2 {
		t.Fatalf("Pending() before any deadline = %d, want 2", got)
	}
	c.Advance(time.Millisecond)
	if err := <-short; err != nil {
		t.Fatal(err)
	}
	if got := c.Pending(); got != 1 {
		t.Fatalf("Pending() = %d, want 1", got)
	}
	next, ok := c.AdvanceToNext()
	if !ok || !next.Equal(t0.Add(time.Minute)) {
		t.Fatalf("AdvanceToNext() = %v, %t; want %v, true", next, ok, t0.Add(time.Minute))
	}
	if err := <-long; err != nil {
		t.Fatal(err)
	}
	if _, ok := c.AdvanceToNext(); ok {
		t.Fatal("AdvanceToNext() with nothing asleep reported a move")
	}
	if !c.Now().Equal(t0.Add(time.Minute)) {
		t.Fatalf("Now() = %v, want %v", c.Now(), t0.Add(time.Minute))
	}
}

func TestManualClockCancelledSleepLeavesTheQueue(t *testing.T) {
	noLeaks(t)
	c := tasks.NewManualClock(t0)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.Sleep(ctx, time.Hour) }()
	if err := c.WaitForSleepers(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Sleep = %v, want context.Canceled", err)
	}
	if got := c.Pending(); got != 0 {
		t.Fatalf("Pending() after cancellation = %d, want 0", got)
	}

	// Already cancelled: not queued at all.
	if err := c.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep(cancelled ctx) = %v, want context.Canceled", err)
	}
	if err := c.Sleep(t.Context(), 0); err != nil {
		t.Fatalf("Sleep(0) = %v, want nil", err)
	}
	if got := c.Pending(); got != 0 {
		t.Fatalf("Pending() = %d, want 0", got)
	}
	mustPanic(t, "Advance(-1s)", func() { c.Advance(-time.Second) })
}

func TestManualClockWaitForSleepersHonoursContext(t *testing.T) {
	c := tasks.NewManualClock(t0)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := c.WaitForSleepers(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitForSleepers(cancelled) = %v, want context.Canceled", err)
	}
}
