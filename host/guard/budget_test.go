package guard

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

func TestSendCost(t *testing.T) {
	tests := []struct {
		n    int
		want uint64
	}{{-1, 1}, {0, 1}, {1, 2}, {1023, 2}, {1024, 2}, {1025, 3}, {2048, 3}, {MaxPayload, 65}}
	for _, tt := range tests {
		if got := SendCost(tt.n); got != tt.want {
			t.Errorf("SendCost(%d) = %d, want %d", tt.n, got, tt.want)
		}
	}
}

func TestFlowBudgetCharge(t *testing.T) {
	tests := []struct {
		name string
		b    FlowBudget
		cost uint64
		ok   bool
	}{
		{"within", FlowBudget{Limit: 10, Spent: 3}, 5, true},
		{"exactly to the limit", FlowBudget{Limit: 10, Spent: 3}, 7, true},
		{"one past", FlowBudget{Limit: 10, Spent: 3}, 8, false},
		{"zero budget", FlowBudget{}, 1, false},
		{"zero cost on zero budget", FlowBudget{}, 0, true},
		{"spent above a merged-down limit", FlowBudget{Limit: 5, Spent: 8}, 1, false},
		{"overflowing cost", FlowBudget{Limit: 10, Spent: 3}, math.MaxUint64, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.b
			err := b.Charge(tt.cost)
			if (err == nil) != tt.ok {
				t.Fatalf("Charge(%d) on %+v: %v", tt.cost, tt.b, err)
			}
			if !tt.ok {
				if b != tt.b {
					t.Fatalf("a failed charge changed the budget: %+v", b)
				}
				if !errors.Is(err, effects.ErrExhausted) || !errors.Is(err, ErrBudgetExhausted) {
					t.Fatalf("err %v is not exhausted", err)
				}
				return
			}
			if b.Spent != tt.b.Spent+tt.cost {
				t.Fatalf("spent %d", b.Spent)
			}
		})
	}
	if h := (FlowBudget{Limit: 5, Spent: 8}).Headroom(); h != 0 {
		t.Fatalf("headroom %d", h)
	}
}

func TestFlowBudgetRotate(t *testing.T) {
	b := FlowBudget{Limit: 10, Spent: 10, Epoch: 4}
	if got := b.Rotate(4); got != b {
		t.Fatalf("same epoch changed the budget: %+v", got)
	}
	if got := b.Rotate(3); got != b {
		t.Fatalf("older epoch changed the budget: %+v", got)
	}
	if got := b.Rotate(5); got != (FlowBudget{Limit: 10, Epoch: 5}) {
		t.Fatalf("newer epoch: %+v", got)
	}
}

// randomBudget draws from small ranges so equal epochs and limits are common.
func randomBudget(r *rand.Rand) FlowBudget {
	return FlowBudget{Limit: r.Uint64N(6), Spent: r.Uint64N(6), Epoch: r.Uint64N(3)}
}

// TestFlowBudgetMergeLaws checks that Merge is a join (commutative,
// associative, idempotent), that it takes min limit / max epoch / max spent
// within an epoch, and that Rotate is a merge (so it commutes with merging).
func TestFlowBudgetMergeLaws(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 0))
	for i := range 20000 {
		a, b, c := randomBudget(r), randomBudget(r), randomBudget(r)
		if a.Merge(b) != b.Merge(a) {
			t.Fatalf("#%d not commutative: %+v %+v", i, a, b)
		}
		if a.Merge(b).Merge(c) != a.Merge(b.Merge(c)) {
			t.Fatalf("#%d not associative: %+v %+v %+v", i, a, b, c)
		}
		if a.Merge(a) != a {
			t.Fatalf("#%d not idempotent: %+v", i, a)
		}
		if a.Merge(unlimited) != a {
			t.Fatalf("#%d unlimited is not the identity: %+v", i, a)
		}
		m := a.Merge(b)
		if m.Limit != min(a.Limit, b.Limit) || m.Epoch != max(a.Epoch, b.Epoch) {
			t.Fatalf("#%d merge %+v %+v = %+v", i, a, b, m)
		}
		if a.Epoch == b.Epoch && m.Spent != max(a.Spent, b.Spent) {
			t.Fatalf("#%d same-epoch spent %+v %+v = %+v", i, a, b, m)
		}
		e := r.Uint64N(4)
		if a.Rotate(e) != a.Merge(FlowBudget{Limit: math.MaxUint64, Epoch: e}) {
			t.Fatalf("#%d rotate(%d) of %+v is not a merge", i, e, a)
		}
		if a.Merge(b).Rotate(e) != a.Rotate(e).Merge(b.Rotate(e)) {
			t.Fatalf("#%d rotate does not commute with merge: %+v %+v %d", i, a, b, e)
		}
		// Merging never grants headroom the replicas did not both have.
		if m.Headroom() > min(a.Headroom(), b.Headroom()) && a.Epoch == b.Epoch {
			t.Fatalf("#%d merge grew headroom: %+v %+v = %+v", i, a, b, m)
		}
	}
}

// TestMergeKeepsRotation: a replica still in the old epoch does not undo a
// rotation when merged in (the reason spent is compared within the newest
// epoch).
func TestMergeKeepsRotation(t *testing.T) {
	rotated := FlowBudget{Limit: 10, Spent: 0, Epoch: 2}
	stale := FlowBudget{Limit: 10, Spent: 10, Epoch: 1}
	if got := rotated.Merge(stale); got != rotated {
		t.Fatalf("merge %+v", got)
	}
}

func TestBudgetRecord(t *testing.T) {
	b := FlowBudget{Limit: 1<<63 + 5, Spent: 7, Epoch: 9}
	got, err := unmarshalBudget(b.marshal())
	if err != nil || got != b {
		t.Fatalf("round trip %+v %v", got, err)
	}
	for _, bad := range [][]byte{nil, {2}, append([]byte{2}, b.marshal()[1:]...), b.marshal()[:24]} {
		if _, err := unmarshalBudget(bad); !errors.Is(err, ErrCorruptRecord) {
			t.Errorf("%x: %v", bad, err)
		}
	}
}

func TestFlowBudgetManager(t *testing.T) {
	ctx := context.Background()
	store := NewMemStore()
	m := NewFlowBudgetManager(store)
	key := BudgetKey{ctxAB, bob}

	if b, ok, err := m.Get(ctx, key); err != nil || ok || b != (FlowBudget{}) {
		t.Fatalf("missing budget: %+v %v %v", b, ok, err)
	}
	if _, err := m.Charge(ctx, key, 1); !errors.Is(err, effects.ErrExhausted) {
		t.Fatalf("charge on a missing budget: %v", err)
	}
	if store.Keys() != 0 {
		t.Fatal("a failed charge wrote to the store")
	}
	snap, err := m.Snapshot(ctx, key)
	mustNoErr(t, err)
	if len(snap) != 0 {
		t.Fatalf("snapshot of a missing budget: %v", snap)
	}

	mustNoErr(t, errOnly(m.Set(ctx, key, 5)))
	for i := range 5 {
		if _, err := m.Charge(ctx, key, 1); err != nil {
			t.Fatalf("charge %d: %v", i, err)
		}
	}
	if _, err := m.Charge(ctx, key, 1); !errors.Is(err, effects.ErrExhausted) {
		t.Fatalf("charge past the limit: %v", err)
	}
	b, err := m.Rotate(ctx, key, 1)
	if err != nil || b != (FlowBudget{Limit: 5, Epoch: 1}) {
		t.Fatalf("rotate: %+v %v", b, err)
	}
	b, err = m.Merge(ctx, key, FlowBudget{Limit: 3, Spent: 2, Epoch: 1})
	if err != nil || b != (FlowBudget{Limit: 3, Spent: 2, Epoch: 1}) {
		t.Fatalf("merge: %+v %v", b, err)
	}
	b, err = m.Set(ctx, key, 8)
	if err != nil || b != (FlowBudget{Limit: 8, Spent: 2, Epoch: 1}) {
		t.Fatalf("set keeps spent and epoch: %+v %v", b, err)
	}

	// Merging into a missing budget adopts the remote one.
	other := BudgetKey{ctxAB, carol}
	b, err = m.Merge(ctx, other, FlowBudget{Limit: 4, Spent: 1, Epoch: 7})
	if err != nil || b != (FlowBudget{Limit: 4, Spent: 1, Epoch: 7}) {
		t.Fatalf("merge into missing: %+v %v", b, err)
	}

	// A second manager over the same store sees the persisted state.
	m2 := NewFlowBudgetManager(store)
	snap, err = m2.Snapshot(ctx, key, other, BudgetKey{ctxAB, alice})
	mustNoErr(t, err)
	if len(snap) != 2 || snap[key] != (FlowBudget{Limit: 8, Spent: 2, Epoch: 1}) || snap[other].Epoch != 7 {
		t.Fatalf("persisted snapshot %v", snap)
	}

	mustNoErr(t, store.Put(ctx, budgetKey(key), []byte("junk")))
	if _, _, err := m.Get(ctx, key); !errors.Is(err, ErrCorruptRecord) || !errors.Is(err, effects.ErrInternal) {
		t.Fatalf("corrupt record: %v", err)
	}
}

// TestFlowBudgetManagerConcurrentCharges: many goroutines charging one
// budget never spend the same headroom twice.
func TestFlowBudgetManagerConcurrentCharges(t *testing.T) {
	ctx := context.Background()
	m := NewFlowBudgetManager(NewMemStore())
	key := BudgetKey{ctxAB, bob}
	_, err := m.Set(ctx, key, 100)
	mustNoErr(t, err)
	var ok, exhausted atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 20 {
				_, err := m.Charge(ctx, key, 3)
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, effects.ErrExhausted):
					exhausted.Add(1)
				default:
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if ok.Load() != 33 || exhausted.Load() != 320-33 {
		t.Fatalf("%d charges succeeded, %d exhausted; want 33 and %d", ok.Load(), exhausted.Load(), 320-33)
	}
	b, _, _ := m.Get(ctx, key)
	if b.Spent != 99 {
		t.Fatalf("spent %d, want 99", b.Spent)
	}
}

func errOnly(_ FlowBudget, err error) error { return err }
