package host_test

import (
	"sync"
	"testing"
	"time"

	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/supervise"
)

// events records a host's state transitions so that tests wait for a
// transition rather than sleeping.
type events struct {
	mu     sync.Mutex
	all    []host.Event
	notify chan struct{}
}

func newEvents() *events { return &events{notify: make(chan struct{}, 1)} }

func (e *events) record(ev host.Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
	select {
	case e.notify <- struct{}{}:
	default:
	}
}

// wait returns the first event after index from whose predicate holds, and
// its index, failing the test after limit.
func (e *events) wait(t *testing.T, from int, limit time.Duration, what string, pred func(host.Event) bool) (host.Event, int) {
	t.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		e.mu.Lock()
		for i := from; i < len(e.all); i++ {
			if pred(e.all[i]) {
				ev := e.all[i]
				e.mu.Unlock()
				return ev, i
			}
		}
		e.mu.Unlock()
		select {
		case <-e.notify:
		case <-deadline.C:
			t.Fatalf("no event %q within %v; events: %+v", what, limit, e.snapshot())
		}
	}
}

func (e *events) snapshot() []host.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]host.Event(nil), e.all...)
}

func (e *events) len() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.all)
}

func to(plugin string, s supervise.State) func(host.Event) bool {
	return func(ev host.Event) bool { return ev.Plugin == plugin && ev.To == s }
}
