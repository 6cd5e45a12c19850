package tasks

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"time"
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
type ManualClock struct {
	mu       sync.Mutex
	now      time.Time
	seq      uint64 // orders sleepers with equal deadlines
	sleepers sleeperHeap
	changed  chan struct{} // closed and replaced whenever the sleepers change

	onWake func(deadline time.Time, seq uint64) // tests observe the wake order
}

// NewManualClock returns a clock reading start.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start, changed: make(chan struct{})}
}

type sleeper struct {
	deadline time.Time
	seq      uint64
	wake     chan struct{}
	index    int // in the heap; -1 once removed
}

// sleeperHeap orders sleepers by deadline, then by when they began.
type sleeperHeap []*sleeper

func (h sleeperHeap) Len() int { return len(h) }
func (h sleeperHeap) Less(i, j int) bool {
	if !h[i].deadline.Equal(h[j].deadline) {
		return h[i].deadline.Before(h[j].deadline)
	}
	return h[i].seq < h[j].seq
}
func (h sleeperHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *sleeperHeap) Push(x any) {
	s := x.(*sleeper)
	s.index = len(*h)
	*h = append(*h, s)
}
func (h *sleeperHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	s.index = -1
	return s
}

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep blocks until the clock reaches Now()+d, or ctx ends. A sleeper
// woken by Advance returns nil even if ctx ends at the same moment: its
// time did come.
func (c *ManualClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	c.mu.Lock()
	if err := ctx.Err(); err != nil {
		c.mu.Unlock()
		return err
	}
	c.seq++
	s := &sleeper{deadline: c.now.Add(d), seq: c.seq, wake: make(chan struct{})}
	heap.Push(&c.sleepers, s)
	c.notify()
	c.mu.Unlock()

	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		defer c.mu.Unlock()
		if s.index < 0 {
			return nil
		}
		heap.Remove(&c.sleepers, s.index)
		c.notify()
		return ctx.Err()
	}
}

// Advance moves the clock forward by d, wakes every sleeper whose deadline
// has come, and returns the new time. A negative d panics: time only moves
// forward, and asking otherwise is a bug in the test.
func (c *ManualClock) Advance(d time.Duration) time.Time {
	if d < 0 {
		panic(fmt.Sprintf("tasks: ManualClock.Advance(%v): time only moves forward", d))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.moveTo(c.now.Add(d))
	return c.now
}

// AdvanceToNext moves the clock to the earliest pending deadline, wakes the
// sleepers due then, and returns the new time. With nothing asleep it does
// nothing and returns false.
func (c *ManualClock) AdvanceToNext() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sleepers) == 0 {
		return c.now, false
	}
	c.moveTo(c.sleepers[0].deadline) // never in the past: sleeps of 0 are not queued
	return c.now, true
}

// moveTo sets the time and wakes the due sleepers in (deadline, start)
// order. Called with mu held.
func (c *ManualClock) moveTo(to time.Time) {
	c.now = to
	woke := false
	for len(c.sleepers) > 0 && !c.sleepers[0].deadline.After(to) {
		s := heap.Pop(&c.sleepers).(*sleeper)
		if c.onWake != nil {
			c.onWake(s.deadline, s.seq)
		}
		close(s.wake)
		woke = true
	}
	if woke {
		c.notify()
	}
}

// notify wakes whoever waits for the sleepers to change. Called with mu.
func (c *ManualClock) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Pending returns how many sleeps are waiting for time to pass.
func (c *ManualClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sleepers)
}

// NextDeadline returns the earliest deadline of a pending sleep, and false
// when nothing sleeps.
func (c *ManualClock) NextDeadline() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sleepers) == 0 {
		return time.Time{}, false
	}
	return c.sleepers[0].deadline, true
}

// WaitForSleepers blocks until at least n sleeps are pending, or ctx ends:
// synchronisation on a condition, not on real time.
func (c *ManualClock) WaitForSleepers(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		pending, changed := len(c.sleepers), c.changed
		c.mu.Unlock()
		if pending >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("wait for %d sleepers (%d pending): %w", n, pending, ctx.Err())
		}
	}
}
