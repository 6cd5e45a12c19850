package reactive

import (
	"context"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/lifecycle"
)

// TestBatching walks the batching state machine: idle → window open (the
// first commit arms the timer) → reduced, by the timer, by FlushAt facts
// waiting, or by a Sync.
func TestBatching(t *testing.T) {
	count := m("name", "n", "source", m("predicate", "p"), "reduce", "count")
	tests := []struct {
		name string
		// drive offers commits and ends the batch; it returns the count the
		// subscriber must then receive.
		drive       func(t *testing.T, p *Pipeline, clock *manualClock) int64
		wantBatches uint64
	}{
		{
			name: "the window's timer reduces the batch",
			drive: func(t *testing.T, p *Pipeline, clock *manualClock) int64 {
				p.Offer(appendCommit(fact("p", "a", 1, effects.Null())))
				tm := clock.waitArmed(t)
				p.Offer(appendCommit(fact("p", "a", 2, effects.Null())))
				tm.fire()
				return 2
			},
			wantBatches: 1,
		},
		{
			name: "FlushAt facts waiting reduce the batch before the window ends",
			drive: func(t *testing.T, p *Pipeline, clock *manualClock) int64 {
				var first, rest []effects.Value
				for i := range 999 {
					first = append(first, fact("p", "a", int64(i), effects.Null()))
				}
				p.Offer(mergeCommit(first...))
				tm := clock.waitArmed(t)
				rest = append(rest, fact("p", "a", 999, effects.Null()))
				p.Offer(mergeCommit(rest...))
				t.Cleanup(func() {
					if !tm.isStopped() {
						t.Error("the window's timer was not stopped by the early flush")
					}
				})
				return 1000
			},
			wantBatches: 1,
		},
		{
			name: "a read reduces what was committed before it",
			drive: func(t *testing.T, p *Pipeline, clock *manualClock) int64 {
				p.Offer(appendCommit(fact("p", "a", 1, effects.Null())))
				clock.waitArmed(t)
				if v := mustRead(t, p, "n"); !v.Equal(effects.Int(1)) {
					t.Errorf("read %v, want 1", v)
				}
				return 1
			},
			wantBatches: 1,
		},
		{
			name: "a duplicate in the same batch counts once",
			drive: func(t *testing.T, p *Pipeline, clock *manualClock) int64 {
				f := fact("p", "a", 1, effects.Null())
				p.Offer(appendCommit(f))
				p.Offer(mergeCommit(f, fact("q", "a", 1, effects.Null())))
				clock.waitArmed(t).fire()
				return 1
			},
			wantBatches: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, clock := started(t, Config{})
			mustRegister(t, p, count)
			sub, err := p.Subscribe("n")
			if err != nil {
				t.Fatal(err)
			}
			if v := recv(t, sub); !v.Equal(effects.Int(0)) {
				t.Fatalf("first value %v, want the current 0", v)
			}
			want := tc.drive(t, p, clock)
			if v := recv(t, sub); !v.Equal(effects.Int(want)) {
				t.Fatalf("received %v, want %d", v, want)
			}
			none(t, sub)
			if st := p.Stats(); st.Batches != tc.wantBatches {
				t.Errorf("batches = %d, want %d (%+v)", st.Batches, tc.wantBatches, st)
			}
		})
	}
}

// TestNoFlushBeforeTheWindow: with the window open and fewer than FlushAt
// facts waiting, nothing is reduced until the timer fires.
func TestNoFlushBeforeTheWindow(t *testing.T) {
	p, clock := started(t, Config{})
	mustRegister(t, p, m("name", "n", "source", m("predicate", "p"), "reduce", "count"))
	sub, _ := p.Subscribe("n")
	recv(t, sub)
	p.Offer(appendCommit(fact("p", "a", 1, effects.Null())))
	tm := clock.waitArmed(t)
	// The batching goroutine has armed the timer and waits on it: nothing
	// else can end the batch.
	none(t, sub)
	if st := p.Stats(); st.Batches != 0 {
		t.Fatalf("a batch was reduced before its window ended: %+v", st)
	}
	tm.fire()
	if v := recv(t, sub); !v.Equal(effects.Int(1)) {
		t.Fatalf("got %v, want 1", v)
	}
}

// TestLaggingSubscriberSkipsToNewest: a subscriber that reads nothing while
// values change finds only the newest, and nothing queued behind it.
func TestLaggingSubscriberSkipsToNewest(t *testing.T) {
	p, _ := started(t, Config{})
	mustRegister(t, p, m("name", "x", "emit", true, "initial", 0))
	slow, _ := p.Subscribe("x")
	fast, _ := p.Subscribe("x")
	recv(t, fast)
	for i := 1; i <= 100; i++ {
		if err := p.Emit("x", effects.Int(int64(i))); err != nil {
			t.Fatal(err)
		}
		if v := recv(t, fast); !v.Equal(effects.Int(int64(i))) {
			t.Fatalf("fast subscriber got %v, want %d", v, i)
		}
	}
	if v := recv(t, slow); !v.Equal(effects.Int(100)) {
		t.Fatalf("slow subscriber got %v, want the newest, 100", v)
	}
	none(t, slow)
	if slow.Skipped() != 100 || fast.Skipped() != 0 {
		t.Fatalf("skipped: slow %d (want 100: the initial value and 99 emits), fast %d (want 0)", slow.Skipped(), fast.Skipped())
	}
}

// TestSubscriptionLifecycle: Close releases a subscription and closes its
// channel; Stop closes every channel and refuses new subscriptions.
func TestSubscriptionLifecycle(t *testing.T) {
	p, _ := started(t, Config{MaxSubscribers: 2})
	mustRegister(t, p, m("name", "x", "emit", true))
	a, _ := p.Subscribe("x")
	b, _ := p.Subscribe("x")
	if _, err := p.Subscribe("x"); err == nil {
		t.Fatal("a third subscription passed MaxSubscribers = 2")
	} else {
		wantCode(t, err, effects.CodeExhausted, "third subscription")
	}
	a.Close()
	a.Close() // idempotent
	recv(t, a)
	if _, ok := <-a.C(); ok {
		t.Fatal("a closed subscription's channel is still open")
	}
	c, err := p.Subscribe("x")
	if err != nil {
		t.Fatalf("closing a subscription did not release it: %v", err)
	}
	if info := p.List(); info[0].Subscribers != 2 {
		t.Fatalf("list shows %d subscribers, want 2", info[0].Subscribers)
	}
	if _, err := p.Subscribe("nope"); err == nil {
		t.Fatal("subscribed to an unknown signal")
	} else {
		wantCode(t, err, effects.CodeNotFound, "unknown signal")
	}
	if err := p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Subscription{b, c} {
		for range s.C() { // drain, then it must be closed
		}
	}
	if _, err := p.Subscribe("x"); err == nil {
		t.Fatal("subscribed after Stop")
	} else {
		wantCode(t, err, effects.CodeUnavailable, "after stop")
	}
	if h := p.Health(); h.State != lifecycle.Stopped {
		t.Fatalf("health after Stop: %v", h)
	}
	if _, err := p.Read(t.Context(), "x"); err == nil {
		t.Fatal("read after Stop")
	} else {
		wantCode(t, err, effects.CodeUnavailable, "read after stop")
	}
}

// TestLifecycleStates: not started → healthy → stopped, with calls refused
// before the start and after the stop, and commits offered before the
// start reduced once it starts.
func TestLifecycleStates(t *testing.T) {
	clock := newManualClock()
	p, err := New(Config{Name: "r", Clock: clock, Dependencies: []string{"journal"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Health().State != lifecycle.NotStarted || p.Name() != "r" || p.Dependencies()[0] != "journal" {
		t.Fatalf("new pipeline: %v %s %v", p.Health(), p.Name(), p.Dependencies())
	}
	d, _ := ParseDefinition(m("name", "n", "source", m("predicate", "p"), "reduce", "count"))
	if _, err := p.Register(t.Context(), d, false); err == nil {
		t.Fatal("registered before Start")
	} else {
		wantCode(t, err, effects.CodeUnavailable, "register before start")
	}
	p.Offer(appendCommit(fact("p", "a", 1, effects.Null())))
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(t.Context()); err == nil {
		t.Fatal("started twice")
	}
	if p.Health().State != lifecycle.Healthy {
		t.Fatalf("health after Start: %v", p.Health())
	}
	if _, err := p.Register(t.Context(), d, false); err != nil {
		t.Fatal(err)
	}
	// The commit offered before Start waits in the open batch (its window
	// has not ended), so the signal registered meanwhile reduces it.
	clock.waitArmed(t)
	if v := mustRead(t, p, "n"); !v.Equal(effects.Int(1)) {
		t.Fatalf("n = %v", v)
	}
	if st := p.Stats(); st.Commits != 1 {
		t.Fatalf("the commit offered before Start was not taken: %+v", st)
	}
	if err := p.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(t.Context()); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	p.Offer(appendCommit(fact("p", "a", 2, effects.Null()))) // dropped silently: the host stops
}

// TestOverflowDegradesAndResyncs: past MaxPending waiting facts, commits
// are dropped and the service degraded; the next batch reads the sources
// back from the journal and the service recovers with exact values.
func TestOverflowDegradesAndResyncs(t *testing.T) {
	all := []effects.Value{fact("p", "a", 1, effects.Null()), fact("p", "a", 2, effects.Null()), fact("p", "a", 3, effects.Null())}
	var reads int
	journal := func(_ context.Context, op effects.OpID, args effects.Value) (effects.Value, error) {
		if op != effects.JournalFactsByPredicate {
			t.Errorf("read the journal with %s", op)
		}
		reads++
		if reads == 1 {
			return effects.List(), nil // at registration, the journal is empty
		}
		return effects.List(all...), nil
	}
	p, clock := started(t, Config{MaxPending: 2, Journal: journal})
	mustRegister(t, p, m("name", "n", "source", m("predicate", "p"), "reduce", "count"))
	p.Offer(appendCommit(all[0]))
	tm := clock.waitArmed(t)
	p.Offer(appendCommit(all[1]))
	p.Offer(appendCommit(all[2])) // the third waiting fact: dropped
	if h := p.Health(); h.State != lifecycle.Degraded {
		t.Fatalf("health after a drop: %v", h)
	}
	tm.fire()
	if v := mustRead(t, p, "n"); !v.Equal(effects.Int(3)) {
		t.Fatalf("n = %v after the resync, want 3", v)
	}
	st := p.Stats()
	if st.Dropped != 1 || st.Resyncs != 1 {
		t.Fatalf("stats %+v, want 1 dropped and 1 resync", st)
	}
	if h := p.Health(); h.State != lifecycle.Healthy {
		t.Fatalf("health after the resync: %v", h)
	}
}
