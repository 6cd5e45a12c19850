package reactive

import (
	"sync/atomic"

	"github.com/aurahost/aura-host/effects"
)

// Subscription delivers a signal's values as they change. Its channel
// holds one value: a subscriber that lags behind skips to the newest
// value (Skipped counts the values it never saw), so a slow subscriber
// never blocks the pipeline and never makes a queue grow. The channel
// first delivers the value the signal had when it was subscribed, and is
// closed by Close or when the pipeline stops.
type Subscription struct {
	p      *Pipeline
	signal string
	ch     chan effects.Value

	skipped atomic.Uint64
	closed  bool // guarded by p.mu
}

// C is the channel of values.
func (s *Subscription) C() <-chan effects.Value { return s.ch }

// Signal is the subscribed signal's name.
func (s *Subscription) Signal() string { return s.signal }

// Skipped counts the values replaced by a newer one before the subscriber
// received them.
func (s *Subscription) Skipped() uint64 { return s.skipped.Load() }

// Close releases the subscription and closes its channel. It is
// idempotent.
func (s *Subscription) Close() {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	s.p.unsubscribe(s)
}

// deliver puts v in the channel, replacing a value not received yet. Only
// the pipeline sends, under p.mu, so the last send cannot find the
// channel full.
func (s *Subscription) deliver(v effects.Value) {
	if s.closed {
		return
	}
	select {
	case s.ch <- v:
		return
	default:
	}
	select {
	case <-s.ch:
		s.skipped.Add(1)
	default: // the subscriber just took it
	}
	select {
	case s.ch <- v:
	default:
	}
}

// Subscribe subscribes to a registered signal. An unknown signal is
// not_found; more than Config.MaxSubscribers subscriptions at once are
// exhausted; a pipeline that has stopped is unavailable.
func (p *Pipeline) Subscribe(name string) (*Subscription, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return nil, unavailable("", ErrStopped)
	}
	sig := p.g.signals[name]
	if sig == nil {
		return nil, notFound("", name)
	}
	if p.nsubs >= p.cfg.MaxSubscribers {
		return nil, &effects.Error{Code: effects.CodeExhausted,
			Message: "too many subscriptions to the reactive pipeline: close some (Subscription.Close) first"}
	}
	s := &Subscription{p: p, signal: name, ch: make(chan effects.Value, 1)}
	sig.subs[s] = struct{}{}
	p.nsubs++
	s.deliver(sig.value)
	return s, nil
}

// unsubscribe detaches s; p.mu is held.
func (p *Pipeline) unsubscribe(s *Subscription) {
	if s.closed {
		return
	}
	if sig := p.g.signals[s.signal]; sig != nil {
		delete(sig.subs, s)
	}
	s.closed = true
	close(s.ch)
	p.nsubs--
}

// publish delivers each signal's value to its subscribers; p.mu is held.
func publish(changed []*signal) {
	for _, s := range changed {
		for sub := range s.subs {
			sub.deliver(s.value)
		}
	}
}
