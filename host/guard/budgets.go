package guard

import (
	"context"
	"fmt"
	"sync"

	"github.com/aurahost/aura-host/effects"
)

// BudgetKey names one flow budget: what this side may send to Peer within
// Context.
type BudgetKey struct {
	Context effects.ContextID
	Peer    effects.AuthorityID
}

func (k BudgetKey) String() string { return k.Context.String() + "/" + k.Peer.String() }

// FlowBudgetManager keeps the flow budgets of one agent, one per (context,
// peer), persisted in a Store. It is safe for concurrent use: every update
// is a read-modify-write under one lock, so concurrent charges never spend
// the same headroom twice.
//
// A key with no stored budget reads as the zero FlowBudget (no headroom):
// an operator or a merge from a peer must Set one before anything is sent.
type FlowBudgetManager struct {
	store Store
	mu    sync.Mutex
}

// NewFlowBudgetManager returns a manager persisting through store.
func NewFlowBudgetManager(store Store) *FlowBudgetManager {
	return &FlowBudgetManager{store: store}
}

// Get returns the budget for key and whether one is stored. A missing budget
// is the zero FlowBudget: no headroom.
func (m *FlowBudgetManager) Get(ctx context.Context, key BudgetKey) (FlowBudget, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.load(ctx, key)
}

// Snapshot reads the budgets of keys for a guard-chain Snapshot. Keys with
// no stored budget are left out, which the chain reads as no headroom.
func (m *FlowBudgetManager) Snapshot(ctx context.Context, keys ...BudgetKey) (map[BudgetKey]FlowBudget, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[BudgetKey]FlowBudget, len(keys))
	for _, k := range keys {
		b, ok, err := m.load(ctx, k)
		if err != nil {
			return nil, err
		}
		if ok {
			out[k] = b
		}
	}
	return out, nil
}

// Set sets the limit of key's budget, keeping what was spent and the epoch.
// It is the operator's lever (configuration, admin); peers converge through
// Merge instead, which can only lower a limit.
func (m *FlowBudgetManager) Set(ctx context.Context, key BudgetKey, limit uint64) (FlowBudget, error) {
	return m.update(ctx, key, func(b FlowBudget, _ bool) (FlowBudget, error) {
		b.Limit = limit
		return b, nil
	})
}

// Charge spends cost from key's budget and returns the budget after the
// charge. It fails with exhausted (ErrBudgetExhausted), spending nothing,
// when spent + cost would pass the limit or no budget is stored.
func (m *FlowBudgetManager) Charge(ctx context.Context, key BudgetKey, cost uint64) (FlowBudget, error) {
	return m.update(ctx, key, func(b FlowBudget, _ bool) (FlowBudget, error) {
		if cost > b.Headroom() {
			return b, exhausted(b, cost, " for "+key.String())
		}
		b.Spent += cost
		return b, nil
	})
}

// Rotate moves key's budget to epoch; a newer epoch resets spent (the only
// replenishment), an older or equal one changes nothing.
func (m *FlowBudgetManager) Rotate(ctx context.Context, key BudgetKey, epoch uint64) (FlowBudget, error) {
	return m.update(ctx, key, func(b FlowBudget, _ bool) (FlowBudget, error) {
		return b.Rotate(epoch), nil
	})
}

// Merge joins a peer's replica of key's budget into the stored one (see
// FlowBudget.Merge). With nothing stored, the replica is adopted as is.
func (m *FlowBudgetManager) Merge(ctx context.Context, key BudgetKey, remote FlowBudget) (FlowBudget, error) {
	return m.update(ctx, key, func(b FlowBudget, ok bool) (FlowBudget, error) {
		if !ok {
			b = unlimited
		}
		return b.Merge(remote), nil
	})
}

func (m *FlowBudgetManager) load(ctx context.Context, key BudgetKey) (FlowBudget, bool, error) {
	data, ok, err := m.store.Get(ctx, budgetKey(key))
	if err != nil {
		return FlowBudget{}, false, fmt.Errorf("read flow budget %s: %w", key, err)
	}
	if !ok {
		return FlowBudget{}, false, nil
	}
	b, err := unmarshalBudget(data)
	if err != nil {
		return FlowBudget{}, false, fmt.Errorf("flow budget %s: %w", key, err)
	}
	return b, true, nil
}

// update applies f to key's budget under the lock and stores the result
// unless f fails.
func (m *FlowBudgetManager) update(ctx context.Context, key BudgetKey, f func(FlowBudget, bool) (FlowBudget, error)) (FlowBudget, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok, err := m.load(ctx, key)
	if err != nil {
		return FlowBudget{}, err
	}
	next, err := f(b, ok)
	if err != nil {
		return b, err
	}
	if ok && next == b {
		return b, nil
	}
	if err := m.store.Put(ctx, budgetKey(key), next.marshal()); err != nil {
		return b, fmt.Errorf("write flow budget %s: %w", key, err)
	}
	return next, nil
}
