package reactive

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/lifecycle"
)

// Defaults of Config.
const (
	DefaultWindow         = 5 * time.Millisecond
	DefaultFlushAt        = 1000
	DefaultMaxPending     = 100_000
	DefaultMaxSignals     = 1024
	DefaultMaxSubscribers = 4096
)

// MaxValueBytes bounds the canonical encoding of an emitted value, of an
// emit signal's initial value and of a filter's match value.
const MaxValueBytes = 64 << 10

// Invoker routes one call as the agent (agent.Agent.Invoke): how the
// pipeline reads the journal back.
type Invoker func(ctx context.Context, op effects.OpID, args effects.Value) (effects.Value, error)

// Config configures a Pipeline. The zero value of every field but Name
// means its default.
type Config struct {
	// Name is the service's name (the HCL block's label). Required.
	Name string
	// Dependencies are the services or plugins started first: the
	// journal plugin, usually.
	Dependencies []string
	// Journal reads facts back from the journal: when a source signal is
	// registered (its view starts from the facts already committed) and
	// after facts were dropped (Resync). Nil: a source signal starts
	// empty, and a dropped fact leaves the pipeline degraded.
	Journal Invoker
	// Window is the longest a fact waits to be reduced: a commit that
	// finds the pipeline idle is reduced at once, those arriving within
	// Window of a batch wait for the window to end and are reduced
	// together. Default DefaultWindow (5 ms).
	Window time.Duration
	// FlushAt reduces a batch at once when it holds this many facts,
	// whatever is left of the window. Default DefaultFlushAt (1,000).
	FlushAt int
	// MaxPending bounds the facts waiting to be reduced; past it, facts
	// are dropped, the pipeline is degraded, and it resynchronises its
	// source signals from the journal. Default DefaultMaxPending.
	MaxPending int
	// MaxSignals and MaxSubscribers bound what callers can register.
	// Defaults DefaultMaxSignals and DefaultMaxSubscribers.
	MaxSignals, MaxSubscribers int
	// Clock makes the window's timers. Default RealClock.
	Clock Clock
}

// Stats count what a pipeline did.
type Stats struct {
	Commits      uint64 // journal calls received
	Facts        uint64 // facts reduced (each fact once per batch it arrived in)
	Batches      uint64 // batches reduced
	LargestBatch int    // the most facts of one batch
	Dropped      uint64 // facts dropped because MaxPending were waiting
	Resyncs      uint64 // resynchronisations from the journal after a drop
}

// Pipeline is the reactive pipeline: it reduces committed journal facts,
// in batches, into its signals' values and delivers them to subscribers.
// It is a lifecycle.Service (its batching goroutine runs from Start to
// Stop) and an effects.Handler serving the reactive family
// (effects.ReactiveOps). Its methods are safe for concurrent use.
type Pipeline struct {
	lifecycle.Tracker
	cfg Config

	inMu          sync.Mutex // guards the fields up to wake
	pending       []Commit
	pendingWeight int
	waiters       []chan struct{} // Sync calls waiting for the next batch
	stale         bool            // facts were dropped since the last batch
	running       bool
	wake          chan struct{}

	stop, done chan struct{}
	dropped    atomic.Uint64

	mu      sync.Mutex // guards g, nsubs, stopped, stats
	g       *graph
	nsubs   int
	stopped bool
	stats   Stats
}

// New returns a pipeline that has not started. Commits offered before
// Start wait (up to MaxPending) and are reduced once it starts.
func New(cfg Config) (*Pipeline, error) {
	if cfg.Name == "" {
		return nil, fmt.Errorf("reactive: a pipeline needs a name")
	}
	cfg.Window = defaultTo(cfg.Window, DefaultWindow)
	cfg.FlushAt = defaultTo(cfg.FlushAt, DefaultFlushAt)
	cfg.MaxPending = defaultTo(cfg.MaxPending, DefaultMaxPending)
	cfg.MaxSignals = defaultTo(cfg.MaxSignals, DefaultMaxSignals)
	cfg.MaxSubscribers = defaultTo(cfg.MaxSubscribers, DefaultMaxSubscribers)
	if cfg.Clock == nil {
		cfg.Clock = RealClock{}
	}
	return &Pipeline{cfg: cfg, g: newGraph(), wake: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{})}, nil
}

func defaultTo[T int | time.Duration](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

// Name is the service's name.
func (p *Pipeline) Name() string { return p.cfg.Name }

// Dependencies are the services or plugins started first.
func (p *Pipeline) Dependencies() []string { return p.cfg.Dependencies }

// Start starts the batching goroutine.
func (p *Pipeline) Start(ctx context.Context) error {
	p.inMu.Lock()
	defer p.inMu.Unlock()
	if p.running || isClosed(p.stop) {
		return fmt.Errorf("reactive: pipeline %s started twice", p.cfg.Name)
	}
	p.Set(lifecycle.Starting, "")
	p.running = true
	go p.run()
	if len(p.pending) > 0 {
		p.signal()
	}
	p.Set(lifecycle.Healthy, "")
	return nil
}

// Stop stops the batching goroutine (within ctx), closes every
// subscription and refuses every call from then on. Commits still
// pending are not reduced: the journal holds them.
func (p *Pipeline) Stop(ctx context.Context) error {
	p.inMu.Lock()
	wasRunning := p.running
	p.running = false
	if !isClosed(p.stop) {
		close(p.stop)
	}
	p.pending, p.pendingWeight = nil, 0
	p.inMu.Unlock()
	p.Set(lifecycle.Stopping, "")
	var err error
	if wasRunning {
		select {
		case <-p.done:
		case <-ctx.Done():
			err = fmt.Errorf("reactive: pipeline %s: the batching goroutine did not stop: %w", p.cfg.Name, ctx.Err())
		}
	}
	p.mu.Lock()
	p.stopped = true
	for _, s := range p.g.signals {
		for sub := range s.subs {
			p.unsubscribe(sub)
		}
	}
	p.mu.Unlock()
	p.Set(lifecycle.Stopped, "")
	return err
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// signal wakes the batching goroutine without blocking; p.inMu is held.
func (p *Pipeline) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Offer hands the pipeline one successful journal call that committed
// facts. It never blocks: it is called on the Router's caller's goroutine.
// Past MaxPending waiting facts the commit is dropped, the pipeline is
// degraded, and the next batch resynchronises from the journal.
func (p *Pipeline) Offer(c Commit) {
	w := c.weight()
	p.inMu.Lock()
	if isClosed(p.stop) {
		p.inMu.Unlock()
		return
	}
	if p.pendingWeight+w > p.cfg.MaxPending {
		p.stale = true
		p.inMu.Unlock()
		dropped := p.dropped.Add(uint64(w))
		p.Degrade(fmt.Sprintf("%d facts dropped: more than %d were waiting to be reduced; signals resynchronise from the journal",
			dropped, p.cfg.MaxPending))
		return
	}
	p.pending = append(p.pending, c)
	p.pendingWeight += w
	if p.running && (len(p.pending) == 1 || p.pendingWeight >= p.cfg.FlushAt) {
		p.signal()
	}
	p.inMu.Unlock()
}

// Sync returns once every commit offered before it has been reduced (and
// its values delivered): read-your-writes for a caller that just committed
// a fact.
func (p *Pipeline) Sync(ctx context.Context) error {
	ch := make(chan struct{})
	p.inMu.Lock()
	if !p.running {
		p.inMu.Unlock()
		return p.notRunning("")
	}
	p.waiters = append(p.waiters, ch)
	p.signal()
	p.inMu.Unlock()
	select {
	case <-ch:
		return nil
	case <-p.done:
		return unavailable("", ErrStopped)
	case <-ctx.Done():
		return effects.AsError(ctx.Err())
	}
}

func (p *Pipeline) notRunning(op effects.OpID) error {
	if isClosed(p.stop) {
		return unavailable(op, ErrStopped)
	}
	return unavailable(op, ErrNotStarted)
}

// run is the batching goroutine. Idle, a commit is reduced at once and
// opens a window of Config.Window; commits that arrive while it is open
// wait for it to end, and are reduced then as one batch (which opens the
// next window), or sooner when FlushAt facts wait or a Sync asks. A
// window that ends with nothing waiting leaves the pipeline idle. So no
// fact waits more than one window, a lone fact waits for none, and a burst
// is reduced in one batch per window.
func (p *Pipeline) run() {
	defer close(p.done)
	var timer Timer
	var fire <-chan time.Time
	flush := func() {
		if p.flush() && timer == nil {
			timer = p.cfg.Clock.NewTimer(p.cfg.Window)
			fire = timer.C()
		}
	}
	for {
		select {
		case <-p.stop:
			if timer != nil {
				timer.Stop()
			}
			return
		case <-fire:
			timer, fire = nil, nil
			flush()
		case <-p.wake:
			p.inMu.Lock()
			now := len(p.waiters) > 0 || p.pendingWeight >= p.cfg.FlushAt || timer == nil && len(p.pending) > 0
			p.inMu.Unlock()
			if now {
				flush()
			}
		}
	}
}

// flush reduces every pending commit as one batch; it reports whether
// there was any.
func (p *Pipeline) flush() bool {
	p.inMu.Lock()
	batch, waiters, stale := p.pending, p.waiters, p.stale
	p.pending, p.pendingWeight, p.waiters, p.stale = nil, 0, nil, false
	p.inMu.Unlock()
	var facts []Fact
	for _, c := range batch {
		facts = append(facts, c.Facts()...)
	}
	p.apply(facts, uint64(len(batch)), len(batch) > 0)
	if stale {
		p.resync()
	}
	for _, w := range waiters {
		close(w)
	}
	return len(batch) > 0
}

// apply reduces facts into the signals and delivers what changed.
func (p *Pipeline) apply(facts []Fact, commits uint64, batch bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats.Commits += commits
	if batch {
		p.stats.Batches++
		p.stats.Facts += uint64(len(facts))
		p.stats.LargestBatch = max(p.stats.LargestBatch, len(facts))
	}
	if len(facts) == 0 {
		return
	}
	publish(p.g.propagate(p.g.reduce(facts)))
}

// Stats returns what the pipeline did so far.
func (p *Pipeline) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.stats
	st.Dropped = p.dropped.Load()
	return st
}
