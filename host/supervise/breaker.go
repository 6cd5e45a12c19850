package supervise

import (
	"sync"
	"time"
)

// breaker is a per-plugin circuit breaker. Closed, it lets calls through
// and counts consecutive failures; at the threshold it opens and calls
// fail fast; after the cooldown one trial call is let through (half-open)
// and its outcome closes or reopens the circuit.
type breaker struct {
	threshold int // <0: disabled
	cooldown  time.Duration
	now       func() time.Time

	mu       sync.Mutex
	failures int
	openedAt time.Time // zero when closed
	trial    bool      // a half-open trial call is in flight
}

// allow reports whether a call may proceed; when it may not, it says how
// long until the next trial.
func (b *breaker) allow() (bool, time.Duration) {
	if b.threshold < 0 {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openedAt.IsZero() {
		return true, 0
	}
	wait := b.cooldown - b.now().Sub(b.openedAt)
	if wait > 0 || b.trial {
		return false, max(wait, 0)
	}
	b.trial = true
	return true, 0
}

// record reports a call's outcome; failed means the plugin failed it
// (unavailable or timeout), not that it answered with a domain error.
func (b *breaker) record(failed bool) {
	if b.threshold < 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trial = false
	if !failed {
		b.failures, b.openedAt = 0, time.Time{}
		return
	}
	b.failures++
	if b.failures >= b.threshold || !b.openedAt.IsZero() {
		b.openedAt = b.now()
	}
}

// reset closes the circuit (a fresh instance is ready).
func (b *breaker) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures, b.openedAt, b.trial = 0, time.Time{}, false
}

// open reports whether the circuit is open.
func (b *breaker) open() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !b.openedAt.IsZero()
}
