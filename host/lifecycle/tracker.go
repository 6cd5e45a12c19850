package lifecycle

import "sync"

// Tracker keeps a service's health for it, safe for concurrent use: a
// service embeds one, sets its state as it starts, degrades, recovers and
// stops, and answers Health from it. Its zero value is NotStarted.
type Tracker struct {
	mu sync.Mutex
	h  Health
}

// Health returns the tracked health.
func (t *Tracker) Health() Health {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.h.State == "" {
		return Health{State: NotStarted}
	}
	return t.h
}

// Set sets the state and its reason.
func (t *Tracker) Set(s State, reason string) {
	t.mu.Lock()
	t.h = Health{State: s, Reason: reason}
	t.mu.Unlock()
}

// Degrade marks an operational service degraded for reason (a failing
// periodic job, say); Recover marks it healthy again. Neither changes a
// service that is not operational.
func (t *Tracker) Degrade(reason string) { t.swap(Degraded, reason) }

// Recover clears a degradation: a degraded service is healthy again.
func (t *Tracker) Recover() { t.swap(Healthy, "") }

func (t *Tracker) swap(s State, reason string) {
	t.mu.Lock()
	if t.h.Operational() {
		t.h = Health{State: s, Reason: reason}
	}
	t.mu.Unlock()
}
