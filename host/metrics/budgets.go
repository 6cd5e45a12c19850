package metrics

import (
	"context"
	"sync"

	"github.com/aurahost/aura-host/host/guard"
)

// maxBudgetKeys bounds the flow budgets watched per agent: the most
// recent ones it sent on.
const maxBudgetKeys = 1024

// budgetKeys remembers the last max budgets an agent sent on, oldest
// first. Its cost is bounded whatever the agent sends to.
type budgetKeys struct {
	max   int
	mu    sync.Mutex
	seen  map[guard.BudgetKey]bool
	order []guard.BudgetKey
}

func newBudgetKeys(max int) *budgetKeys {
	return &budgetKeys{max: max, seen: map[guard.BudgetKey]bool{}}
}

func (b *budgetKeys) add(k guard.BudgetKey) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen[k] {
		return
	}
	if len(b.order) >= b.max {
		delete(b.seen, b.order[0])
		b.order = b.order[1:]
	}
	b.seen[k] = true
	b.order = append(b.order, k)
}

func (b *budgetKeys) list() []guard.BudgetKey {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]guard.BudgetKey(nil), b.order...)
}

// minHeadroom is the smallest (limit − spent) / limit among the stored
// budgets of keys: 1 when none is stored, 0 for a budget without a limit
// (it has no headroom: a send on it is refused).
func minHeadroom(snap map[guard.BudgetKey]guard.FlowBudget, keys []guard.BudgetKey) float64 {
	least := 1.0
	for _, k := range keys {
		b, ok := snap[k]
		if !ok {
			continue
		}
		h := 0.0
		if b.Limit > 0 {
			h = float64(b.Headroom()) / float64(b.Limit)
		}
		least = min(least, h)
	}
	return least
}

// readBudgets reads the stored budgets of keys one at a time, so that a
// scrape never holds the budget manager's lock across them all (sends
// take it too).
func readBudgets(ctx context.Context, m *guard.FlowBudgetManager, keys []guard.BudgetKey) (map[guard.BudgetKey]guard.FlowBudget, error) {
	out := make(map[guard.BudgetKey]guard.FlowBudget, len(keys))
	for _, k := range keys {
		b, ok, err := m.Get(ctx, k)
		if err != nil {
			return nil, err
		}
		if ok {
			out[k] = b
		}
	}
	return out, nil
}
