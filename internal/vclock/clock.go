package vclock

import (
	"container/heap"
	"context"
	"errors"
	"math"
	"sync"
)

// ErrBackwards is returned by a move of the clock to an earlier time, or
// by a negative sleep or advance: time only moves forward.
var ErrBackwards = errors.New("time only moves forward")

// ErrOverflow is returned by an advance past the largest int64 time.
var ErrOverflow = errors.New("time would pass the end of int64")

// Clock is a virtual clock. Its zero value is not usable: make one with
// New. All methods are safe for concurrent use.
type Clock struct {
	mu       sync.Mutex
	now      int64
	seq      uint64 // orders sleepers with equal deadlines
	sleepers sleeperHeap
	changed  chan struct{} // closed and replaced whenever the sleepers change

	onWake func(deadline int64, seq uint64) // tests observe the wake order
}

// New returns a clock reading start.
func New(start int64) *Clock {
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

// Now returns the clock's time.
func (c *Clock) Now() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep blocks until the clock reaches Now()+d, or ctx ends (then it
// returns ctx.Err()). A sleep of 0, or one under an already-ended ctx,
// returns at once (with ctx.Err()) and is never pending; a negative d is
// ErrBackwards. A deadline past the end of int64 saturates there: such a
// sleep ends only by cancellation or by setting the clock to its very end.
// A sleeper woken while its ctx ends returns nil: its time did come.
func (c *Clock) Sleep(ctx context.Context, d int64) error {
	if d < 0 {
		return ErrBackwards
	}
	c.mu.Lock()
	if err := ctx.Err(); d == 0 || err != nil {
		c.mu.Unlock()
		return err
	}
	deadline := c.now + d
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

// Advance moves the clock forward by d, wakes every sleeper whose deadline
// has come, and returns the new time. A negative d is ErrBackwards and a
// move past the end of int64 is ErrOverflow; either leaves the clock
// alone, and the time returned with the error is the unchanged Now.
func (c *Clock) Advance(d int64) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d < 0 {
		return c.now, ErrBackwards
	}
	to := c.now + d
	if to < c.now {
		return c.now, ErrOverflow
	}
	c.moveTo(to)
	return to, nil
}

// Set moves the clock to t and wakes the sleepers whose deadline has come.
// A t before Now is ErrBackwards and leaves the clock alone; it returns
// the clock's time after the call either way.
func (c *Clock) Set(t int64) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t < c.now {
		return c.now, ErrBackwards
	}
	c.moveTo(t)
	return t, nil
}

// AdvanceToNext moves the clock to the earliest pending deadline, wakes the
// sleepers due then, and returns the new time. With nothing asleep it does
// nothing and returns Now and false.
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
// order. Called with mu held.
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

// notify wakes whoever waits for the sleepers to change. Called with mu.
func (c *Clock) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// NextDeadline returns the earliest deadline of a pending sleep, and false
// when nothing sleeps. It is never earlier than Now.
func (c *Clock) NextDeadline() (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sleepers) == 0 {
		return 0, false
	}
	return c.sleepers[0].deadline, true
}

// Pending returns how many sleeps are waiting for time to pass.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sleepers)
}

// WaitPending blocks until cond holds of the number of pending sleeps, or
// ctx ends, and returns that number: the count that made cond hold (which
// later sleeps and wake-ups may since have changed), or the last count
// seen with ctx.Err(). It is synchronisation on a condition, not on real
// time.
func (c *Clock) WaitPending(ctx context.Context, cond func(pending int) bool) (int, error) {
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

// SetOnWake makes the clock call f, with its lock held, for each sleeper
// it wakes, in wake order: tests observe that order through it, which the
// woken goroutines' scheduling would hide. f must not call the clock.
func (c *Clock) SetOnWake(f func(deadline int64, seq uint64)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.onWake = f
}
