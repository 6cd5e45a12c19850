package metrics

import (
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/guard"
)

// TestExitReason: every last exit the supervisor writes reduces to one of
// a fixed set of label values, whatever error text it quotes.
func TestExitReason(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"process killed by signal 9 (killed)", "killed by signal 9"},
		{"killed by signal 15 (terminated)", "killed by signal 15"},
		{"process exit status 3", "exited with status 3"},
		{"exited with status 3", "exited with status 3"},
		{"killed by signal 9 (SIGKILL), sent by the host: call stream to the plugin broke", "killed by signal 9"},
		{"process exited", "exited"},
		{"call stream to the plugin broke; process group killed", "call stream broke"},
		{"unresponsive: 3 consecutive health probes failed (last: service reports unhealthy: <anything the plugin says>); process group killed", "unresponsive"},
		{"restart failed: exit status 1: killed by signal 9", "restart failed"},
		{"lazy start failed: handshake: x", "lazy start failed"},
		{"killed by signal 4294967296", "other"},
		{"process exit status 99999", "other"},
		{"a plugin's own words, " + strings.Repeat("x", 4096), "other"},
	} {
		if got := ExitReason(tc.in); got != tc.want {
			t.Errorf("ExitReason(%.60q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestBudgetKeysAreBounded: an agent sending to ever new peers keeps only
// the last max budgets watched, the oldest dropped first.
func TestBudgetKeysAreBounded(t *testing.T) {
	t.Parallel()
	b := newBudgetKeys(3)
	key := func(i byte) guard.BudgetKey {
		return guard.BudgetKey{Peer: effects.AuthorityID{i}}
	}
	for i := range byte(10) {
		b.add(key(i))
		b.add(key(i)) // a second send on the same budget changes nothing
	}
	got := b.list()
	if len(got) != 3 || got[0] != key(7) || got[2] != key(9) {
		t.Fatalf("watched %v, want the budgets of peers 7, 8, 9", got)
	}
}

// TestMinHeadroom: the fullest budget sets the headroom; a budget without
// a limit has none; no stored budget leaves it full.
func TestMinHeadroom(t *testing.T) {
	t.Parallel()
	a, b, c := guard.BudgetKey{Peer: effects.AuthorityID{1}}, guard.BudgetKey{Peer: effects.AuthorityID{2}}, guard.BudgetKey{Peer: effects.AuthorityID{3}}
	snap := map[guard.BudgetKey]guard.FlowBudget{a: {Limit: 100, Spent: 25}, b: {Limit: 10, Spent: 9}}
	if got := minHeadroom(snap, []guard.BudgetKey{a, b, c}); got < 0.0999 || got > 0.1001 {
		t.Errorf("headroom %v, want 0.1", got)
	}
	if got := minHeadroom(nil, []guard.BudgetKey{c}); got != 1 {
		t.Errorf("no stored budget: %v, want 1", got)
	}
	snap[c] = guard.FlowBudget{Limit: 0}
	if got := minHeadroom(snap, []guard.BudgetKey{a, c}); got != 0 {
		t.Errorf("a budget without a limit: %v, want 0", got)
	}
}
