package simclock

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"sync"
)

// Clock is a virtual clock in milliseconds. Its zero value is not usable:
// make one with NewClock. All methods are safe for concurrent use.
type Clock struct {
	mu       sync.Mutex
	now      int64
	seq      uint64 // orders sleepers with equal deadlines
	sleepers sleeperHeap
	changed  chan struct{} // closed and replaced whenever the sleepers change

	onWake func(deadline int64, seq uint64) // tests observe the wake order
}

// NewClock returns a clock reading start milliseconds.
func NewClock(start int64) *Clock {
	return &Clock{now: start, changed: make(chan struct{})}
}

type sleeper struct {
	deadline int64
	seq      uint64
	wake     chan struct{}
	index    int // in the heap; -1 once removed
}

// sleeperHeap orders sleepers by deadline, then by when they began.
type sleeperHeap []*sleeper

func (h sleeperHeap) Len() int { return len(h) }
func (h sleeperHeap) Less(i, j int) bool {
	if h[i].deadline != h[j].deadline {
		return h[i].deadline < h[j].deadline
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

// Now returns the virtual time.
func (c *Clock) Now() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// notify wakes whoever waits for the sleepers to change. Called with mu.
func (c *Clock) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Sleep blocks until the virtual time reaches Now()+ms, or ctx ends (then
// it returns ctx.Err()). A sleep of 0 returns at once. A deadline past the
// largest time saturates there: such a sleep ends only by cancellation or
// by setting the clock to its very end.
func (c *Clock) Sleep(ctx context.Context, ms int64) error {
	if ms < 0 {
		return fmt.Errorf("sleep of %d ms: must be 0 or more", ms)
	}
	c.mu.Lock()
	if ms == 0 {
		c.mu.Unlock()
		return ctx.Err()
	}
	deadline := c.now + ms
	if deadline < c.now { // overflow
		deadline = math.MaxInt64
	}
	c.seq++
	s := &sleeper{deadline: deadline, seq: c.seq, wake: make(chan struct{})}
	heap.Push(&c.sleepers, s)
	c.notify()
	c.mu.Unlock()

	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		defer c.mu.Unlock()
		if s.index < 0 { // woken while being cancelled: the time did come
			return nil
		}
		heap.Remove(&c.sleepers, s.index)
		c.notify()
		return ctx.Err()
	}
}

// Advance moves the clock forward by ms and returns the new time, waking
// every sleeper whose deadline has come, in deadline order.
func (c *Clock) Advance(ms int64) (int64, error) {
	if ms < 0 {
		return 0, fmt.Errorf("advance by %d ms: time only moves forward", ms)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	to := c.now + ms
	if to < c.now {
		return 0, fmt.Errorf("advance by %d ms from %d overflows the clock", ms, c.now)
	}
	c.moveTo(to)
	return to, nil
}

// Set moves the clock to ms, which must not be before Now, and wakes the
// sleepers whose deadline has come.
func (c *Clock) Set(ms int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ms < c.now {
		return fmt.Errorf("set the clock to %d ms: it reads %d and time only moves forward", ms, c.now)
	}
	c.moveTo(ms)
	return nil
}

// AdvanceToNext jumps to the earliest pending deadline, wakes the sleepers
// due then and returns the new time; with no sleeper it does nothing and
// returns false.
func (c *Clock) AdvanceToNext() (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sleepers) == 0 {
		return c.now, false
	}
	c.moveTo(max(c.now, c.sleepers[0].deadline))
	return c.now, true
}

// moveTo sets the time and wakes the due sleepers in (deadline, start)
// order. Called with mu.
func (c *Clock) moveTo(to int64) {
	c.now = to
	woke := false
	for len(c.sleepers) > 0 && c.sleepers[0].deadline <= to {
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

// NextDeadline returns the earliest deadline of a pending sleeper, so that
// a simulator can jump straight to it.
func (c *Clock) NextDeadline() (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sleepers) == 0 {
		return 0, false
	}
	return c.sleepers[0].deadline, true
}

// PendingSleepers returns how many sleeps are waiting for time to pass.
func (c *Clock) PendingSleepers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sleepers)
}

// WaitForSleepers blocks until at least n sleeps are pending, or ctx ends.
// A simulator uses it to know that the calls it started have begun to
// sleep before it advances time — synchronisation on a condition, not on
// real time.
func (c *Clock) WaitForSleepers(ctx context.Context, n int) error {
	_, err := c.waitPending(ctx, func(pending int) bool { return pending >= n })
	return err
}

// waitPending blocks until cond holds of the number of pending sleepers,
// and returns that number: the count that made cond hold, which later
// sleeps and wake-ups may since have changed.
func (c *Clock) waitPending(ctx context.Context, cond func(pending int) bool) (int, error) {
	for {
		c.mu.Lock()
		pending, changed := len(c.sleepers), c.changed
		c.mu.Unlock()
		if cond(pending) {
			return pending, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return pending, ctx.Err()
		}
	}
}
