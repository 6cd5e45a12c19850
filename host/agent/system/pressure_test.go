package system_test

import (
	"context"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/agent/system"
	"github.com/aurahost/aura-host/host/guard"
)

func TestBudgetPressure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := effects.DeriveContextID("c", 1)
	key := func(p string) guard.BudgetKey {
		return guard.BudgetKey{Context: c, Peer: effects.DeriveAuthorityID(p, 1)}
	}
	tests := []struct {
		name string
		set  map[string][2]uint64 // peer → limit, spent
		keys []string
		want int
	}{
		{"no keys", nil, nil, 0},
		{"a budget never stored does not count", nil, []string{"p"}, 0},
		{"nothing spent", map[string][2]uint64{"p": {100, 0}}, []string{"p"}, 0},
		{"the fullest budget counts", map[string][2]uint64{"p": {100, 10}, "q": {100, 80}}, []string{"p", "q"}, 80},
		{"just under three quarters", map[string][2]uint64{"p": {4, 2}, "q": {1000, 749}}, []string{"p", "q"}, 74},
		{"a budget with no limit is full", map[string][2]uint64{"p": {0, 0}}, []string{"p"}, 100},
		{"only the keys asked for", map[string][2]uint64{"p": {10, 10}, "q": {10, 1}}, []string{"q"}, 10},
		{"all spent", map[string][2]uint64{"p": {10, 10}}, []string{"p"}, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := guard.NewFlowBudgetManager(guard.NewMemStore())
			for p, ls := range tt.set {
				if _, err := m.Set(ctx, key(p), ls[0]); err != nil {
					t.Fatal(err)
				}
				if ls[1] > 0 {
					if _, err := m.Charge(ctx, key(p), ls[1]); err != nil {
						t.Fatal(err)
					}
				}
			}
			var keys []guard.BudgetKey
			for _, p := range tt.keys {
				keys = append(keys, key(p))
			}
			got, err := system.BudgetPressure(ctx, m, keys)
			if err != nil || got != tt.want {
				t.Fatalf("BudgetPressure = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
	if got, err := system.BudgetPressure(ctx, nil, []guard.BudgetKey{key("p")}); got != 0 || err != nil {
		t.Fatalf("without a guard chain: %d, %v", got, err)
	}
}
