package sdk

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestCallContextExpiresLikeAContextWithDeadline(t *testing.T) {
	deadline := time.Now().Add(time.Hour)
	cc := newCallContext(context.Background(), deadline)
	derived, cancel := context.WithCancel(cc)
	defer cancel()
	if dl, ok := cc.Deadline(); !ok || !dl.Equal(deadline) {
		t.Fatalf("Deadline() = %v, %v; want %v", dl, ok, deadline)
	}
	if dl, ok := derived.Deadline(); !ok || !dl.Equal(deadline) {
		t.Fatalf("a derived context's Deadline() = %v, %v; want %v", dl, ok, deadline)
	}
	if cc.Err() != nil {
		t.Fatalf("Err() before the deadline = %v", cc.Err())
	}
	cc.expire()
	<-cc.Done()
	<-derived.Done()
	if !errors.Is(cc.Err(), context.DeadlineExceeded) {
		t.Fatalf("Err() after expiry = %v, want deadline exceeded", cc.Err())
	}
	if !errors.Is(context.Cause(derived), context.DeadlineExceeded) {
		t.Fatalf("a derived context's cause = %v, want deadline exceeded", context.Cause(derived))
	}
}

func TestCallContextCancelledBeforeItsDeadlineStaysCancelled(t *testing.T) {
	cc := newCallContext(context.Background(), time.Now().Add(time.Hour))
	cc.abort()
	cc.expire() // the deadline passing later changes nothing
	if !errors.Is(cc.Err(), context.Canceled) {
		t.Fatalf("Err() = %v, want cancelled", cc.Err())
	}
}

func TestCallContextKeepsAnEarlierDeadlineOfItsParent(t *testing.T) {
	if _, ok := newCallContext(context.Background(), time.Time{}).Deadline(); ok {
		t.Fatal("a call without a deadline reports one")
	}
	parent, cancel := context.WithDeadline(context.Background(), time.Now().Add(time.Hour))
	defer cancel()
	want, _ := parent.Deadline()
	if got, ok := newCallContext(parent, time.Time{}).Deadline(); !ok || !got.Equal(want) {
		t.Fatalf("Deadline() = %v, %v; want the parent's %v", got, ok, want)
	}
	later := newCallContext(parent, want.Add(time.Hour))
	if got, _ := later.Deadline(); !got.Equal(want) || !later.deadline.IsZero() {
		t.Fatalf("with a later deadline than its parent's: Deadline() = %v, want the parent's %v", got, want)
	}
}

// The timer is armed for the earliest deadline it was given, and an owner
// that re-arms it from fire sees every deadline through.
func TestDeadlineTimerExpiresEveryDeadline(t *testing.T) {
	var (
		mu      sync.Mutex
		timer   deadlineTimer
		pending = map[int]time.Time{}
		done    = make(chan int, 16)
	)
	timer.fire = func() {
		mu.Lock()
		defer mu.Unlock()
		timer.fired()
		now := time.Now()
		for id, dl := range pending {
			if due(dl, now) {
				delete(pending, id)
				done <- id
			} else {
				timer.arm(dl)
			}
		}
	}
	start := time.Now()
	mu.Lock()
	for id, ms := range []int{40, 10, 30, 10, 20} {
		dl := start.Add(time.Duration(ms) * time.Millisecond)
		pending[id] = dl
		timer.arm(dl)
		if !timer.when.Equal(earliest(pending)) {
			t.Fatalf("after arming for %v the timer is set for %v, want the earliest deadline", dl, timer.when)
		}
	}
	mu.Unlock()
	for range 5 {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("deadlines %v never expired", pending)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !timer.when.IsZero() {
		t.Fatalf("timer still armed for %v with nothing pending", timer.when)
	}
	timer.stop()
}

func earliest(m map[int]time.Time) time.Time {
	var min time.Time
	for _, t := range m {
		if min.IsZero() || t.Before(min) {
			min = t
		}
	}
	return min
}
