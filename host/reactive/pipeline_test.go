package reactive

import (
	"context"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/lifecycle"
)

// TestBatching walks the batching state machine: idle → a commit is
// reduced at once and opens a window → commits in the window wait → the
// batch is reduced when the window's timer fires (opening the next), when
// FlushAt facts wait, or when a Sync asks → a window that ends with
// nothing waiting leaves the pipeline idle.
func TestBatching(t *testing.T) {
	count := m("name", "n", "source", m("predicate", "p"), "reduce", "count")
	f := func(ms int64) effects.Value { return fact("p", "a", ms, effects.Null()) }
	tests := []struct {
		name string
		// drive offers commits after the first (already reduced, its
		// window open: tm) and ends the batch; it returns the count the
		// subscriber must then receive.
		drive       func(t *testing.T, p *Pipeline, clock *manualClock, tm *manualTimer) int64
		wantBatches uint64
	}{
		{
			name: "commits in the window wait for its timer, and are reduced as one batch",
			drive: func(t *testing.T, p *Pipeline, clock *manualClock, tm *manualTimer) int64 {
				p.Offer(appendCommit(f(2)))
				p.Offer(appendCommit(f(3)))
				tm.fire()
				clock.waitArmed(t) // the batch opened the next window
				return 3
			},
			wantBatches: 2,
		},
		{
			name: "FlushAt facts waiting are reduced before the window ends",
			drive: func(t *testing.T, p *Pipeline, clock *manualClock, tm *manualTimer) int64 {
				var burst []effects.Value
				for i := range 999 {
					burst = append(burst, f(int64(10+i)))
				}
				p.Offer(mergeCommit(burst...))
				p.Offer(mergeCommit(f(5000)))
				return 1001
			},
			wantBatches: 2,
		},
		{
			name: "a read reduces what was committed before it",
			drive: func(t *testing.T, p *Pipeline, clock *manualClock, tm *manualTimer) int64 {
				p.Offer(appendCommit(f(2)))
				if v := mustRead(t, p, "n"); !v.Equal(effects.Int(2)) {
					t.Errorf("read %v, want 2", v)
				}
				return 2
			},
			wantBatches: 2,
		},
		{
			name: "a window that ends empty leaves the pipeline idle: the next commit is reduced at once",
			drive: func(t *testing.T, p *Pipeline, clock *manualClock, tm *manualTimer) int64 {
				tm.fire()
				if st := p.Sync(t.Context()); st != nil {
					t.Fatal(st)
				}
				p.Offer(appendCommit(f(2)))
				clock.waitArmed(t)
				return 2
			},
			wantBatches: 2,
		},
		{
			name: "a duplicate counts once",
			drive: func(t *testing.T, p *Pipeline, clock *manualClock, tm *manualTimer) int64 {
				p.Offer(appendCommit(f(1)))
				p.Offer(mergeCommit(f(1), fact("q", "a", 1, effects.Null())))
				tm.fire()
				if err := p.Sync(t.Context()); err != nil {
					t.Fatal(err)
				}
				if v := mustRead(t, p, "n"); !v.Equal(effects.Int(1)) {
					t.Errorf("n = %v after a duplicate, want 1", v)
				}
				p.Offer(appendCommit(f(2)))
				if err := p.Sync(t.Context()); err != nil {
					t.Fatal(err)
				}
				return 2
			},
			wantBatches: 3,
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
			p.Offer(appendCommit(f(1)))
			if v := recv(t, sub); !v.Equal(effects.Int(1)) {
				t.Fatalf("the first commit: %v, want 1 at once", v)
			}
			tm := clock.waitArmed(t)
			want := tc.drive(t, p, clock, tm)
			var v effects.Value
			for v = recv(t, sub); !v.Equal(effects.Int(want)); v = recv(t, sub) {
				if n, _ := v.AsInt(); n > want {
					t.Fatalf("received %v, want %d", v, want)
				}
			}
			none(t, sub)
			if st := p.Stats(); st.Batches != tc.wantBatches {
				t.Errorf("batches = %d, want %d (%+v)", st.Batches, tc.wantBatches, st)
			}
		})
	}
}

// TestNoFlushBeforeTheWindow: with a window open and fewer than FlushAt
// facts waiting, nothing is reduced until the timer fires.
func TestNoFlushBeforeTheWindow(t *testing.T) {
	p, clock := started(t, Config{})
	mustRegister(t, p, m("name", "n", "source", m("predicate", "p"), "reduce", "count"))
	sub, _ := p.Subscribe("n")
	recv(t, sub)
	p.Offer(appendCommit(fact("p", "a", 1, effects.Null())))
	recv(t, sub)
	tm := clock.waitArmed(t)
	p.Offer(appendCommit(fact("p", "a", 2, effects.Null())))
	p.Offer(appendCommit(fact("p", "a", 3, effects.Null())))
	none(t, sub)
	if st := p.Stats(); st.Batches != 1 {
		t.Fatalf("a batch was reduced before its window ended: %+v", st)
	}
	tm.fire()
	if v := recv(t, sub); !v.Equal(effects.Int(3)) {
		t.Fatalf("got %v, want 3", v)
	}
	if st := p.Stats(); st.Batches != 2 || st.LargestBatch != 2 {
		t.Fatalf("stats %+v: want 2 batches, the first fact alone, then the two that waited", st)
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
	// The commit offered before Start is reduced once it starts, before
	// the signal exists: without a journal to read back from, the signal
	// starts empty.
	clock.waitArmed(t)
	if _, err := p.Register(t.Context(), d, false); err != nil {
		t.Fatal(err)
	}
	if v := mustRead(t, p, "n"); !v.Equal(effects.Int(0)) {
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
	var all []effects.Value
	for i := range int64(4) {
		all = append(all, fact("p", "a", i, effects.Null()))
	}
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
	p.Offer(appendCommit(all[0])) // reduced at once, opening a window
	tm := clock.waitArmed(t)
	p.Offer(appendCommit(all[1]))
	p.Offer(appendCommit(all[2]))
	p.Offer(appendCommit(all[3])) // the third waiting fact: dropped
	if h := p.Health(); h.State != lifecycle.Degraded {
		t.Fatalf("health after a drop: %v", h)
	}
	tm.fire()
	if v := mustRead(t, p, "n"); !v.Equal(effects.Int(4)) {
		t.Fatalf("n = %v after the resync, want 4", v)
	}
	st := p.Stats()
	if st.Dropped != 1 || st.Resyncs != 1 {
		t.Fatalf("stats %+v, want 1 dropped and 1 resync", st)
	}
	if h := p.Health(); h.State != lifecycle.Healthy {
		t.Fatalf("health after the resync: %v", h)
	}
}
