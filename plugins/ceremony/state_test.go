package ceremony

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/sdk"
)

// TestStatus is the ceremony's state machine as a table: from its record,
// the tally of its invitations and the time, the state and reason.
func TestStatus(t *testing.T) {
	open := func(n int, threshold int64) *ceremony {
		return &ceremony{invitations: make([]string, n), threshold: threshold, expiresMS: 100}
	}
	done := open(3, 2)
	done.completed = true
	cancelled := open(3, 2)
	cancelled.rolledBack = ReasonCancelled
	for _, tc := range []struct {
		name          string
		c             *ceremony
		accepted      int
		lost          int
		now           int64
		state, reason string
	}{
		{"nothing yet", open(3, 2), 0, 0, 0, StateProposed, ""},
		{"one of two", open(3, 2), 1, 0, 50, StateCollecting, ""},
		{"threshold reached: completion due", open(3, 2), 2, 0, 50, StateCompleted, ""},
		{"all accepted", open(3, 2), 3, 0, 50, StateCompleted, ""},
		{"threshold reached counts even at expiry", open(3, 2), 2, 0, 100, StateCompleted, ""},
		{"expired short of the threshold", open(3, 2), 1, 0, 100, StateRolledBack, ReasonExpired},
		{"expired with nothing", open(3, 2), 0, 0, 200, StateRolledBack, ReasonExpired},
		{"too many lost to reach it", open(3, 2), 0, 2, 50, StateRolledBack, ReasonUnreachable},
		{"one lost, still reachable", open(3, 2), 1, 1, 50, StateCollecting, ""},
		{"one of one lost", open(1, 1), 0, 1, 0, StateRolledBack, ReasonUnreachable},
		{"completed stays completed", done, 0, 3, 500, StateCompleted, ""},
		{"rolled back stays rolled back", cancelled, 3, 0, 0, StateRolledBack, ReasonCancelled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := tally{accepted: make([]string, tc.accepted), declined: tc.lost}
			if st, reason := status(tc.c, tl, tc.now); st != tc.state || reason != tc.reason {
				t.Errorf("status = %s %q, want %s %q", st, reason, tc.state, tc.reason)
			}
		})
	}
}

// TestProposeChecksItsArguments: each refusal is typed and says what to do.
func TestProposeChecksItsArguments(t *testing.T) {
	host := newKeyHost()
	ids := guardians(t, host, "bob", "carol")
	invite(t, host, "invitation-contact", "contact", "alice", "dave", "alice", t0+3_600_000)
	invite(t, host, "invitation-forged", kindGuardian, "alice", "dave", "mallory", t0+3_600_000) // not alice's device
	invite(t, host, "invitation-short", kindGuardian, "alice", "erin", "alice", t0+10)
	invite(t, host, "invitation-declined", kindGuardian, "alice", "frank", "alice", t0+3_600_000)
	answer(t, host, "invitation-declined", "declined", "frank", "frank", t0+1)
	host.Advance(10)
	hs := as(t, host, "alice")
	for _, tc := range []struct {
		args     sdk.Value
		code     sdk.Code
		fragment string
	}{
		{propose(nil, 1, 1000, ""), sdk.CodeInvalidArgs, "1 to 64 guardian invitations"},
		{propose([]string{ids[0], ids[0]}, 1, 1000, ""), sdk.CodeInvalidArgs, "an id twice"},
		{propose(ids, 0, 1000, ""), sdk.CodeInvalidArgs, "threshold is 0"},
		{propose(ids, 3, 1000, ""), sdk.CodeInvalidArgs, "threshold is 3: it must be 1 to 2"},
		{propose(ids, 1, 0, ""), sdk.CodeInvalidArgs, "ttl_ms is 0"},
		{propose([]string{"invitation-none"}, 1, 1000, ""), sdk.CodeNotFound, "no guardian invitation"},
		{propose([]string{"invitation-contact"}, 1, 1000, ""), sdk.CodeNotFound, "no guardian invitation"},
		{propose([]string{"invitation-forged"}, 1, 1000, ""), sdk.CodeNotFound, "signed by this agent's device"},
		{propose([]string{"invitation-short"}, 1, 1000, ""), sdk.CodeConflict, "expired"},
		{propose([]string{"invitation-declined"}, 1, 1000, ""), sdk.CodeConflict, "was declined"},
		{propose(ids, 1, 1000, "key-none"), sdk.CodeNotFound, "holds no key"},
	} {
		plugintest.Fails(t, hs, effects.CeremonyPropose, tc.args, tc.code, tc.fragment)
	}
	if n := len(host.Bodies(PredicateProposed)); n != 0 {
		t.Fatalf("refused proposals journaled %d facts", n)
	}
}

func state(t *testing.T, v sdk.Value) string {
	t.Helper()
	s := plugintest.Str(t, v, "state")
	if r := plugintest.Str(t, v, "reason"); r != "" {
		s += " " + r
	}
	return s + fmt.Sprintf(" %d", plugintest.Field(t, v, "accepted").Len())
}

// TestCeremonyCompletesAndCommitsTheRotation: acceptances are counted as
// they are journaled; at the threshold advance commits the rotation, then
// journals the completion; a restarted instance sees the same.
func TestCeremonyCompletesAndCommitsTheRotation(t *testing.T) {
	host := newKeyHost()
	ids := guardians(t, host, "bob", "carol", "dave")
	hs := as(t, host, "alice")
	c := plugintest.Must(t, hs, effects.CeremonyPropose, propose(ids, 2, 60_000, "key-1"))
	id := args("id", plugintest.Field(t, c, "id"))
	if got := state(t, c); got != "proposed 0" {
		t.Fatalf("proposed: %s", got)
	}
	answer(t, host, ids[0], "accepted", "bob", "bob", t0+1)
	if got := state(t, plugintest.Must(t, hs, effects.CeremonyAdvance, id)); got != "collecting 1" {
		t.Fatalf("after bob: %s", got)
	}
	answer(t, host, ids[1], "accepted", "carol", "carol", t0+2)
	host.failCommit = true
	plugintest.Fails(t, hs, effects.CeremonyAdvance, id, sdk.CodeUnavailable, "did not commit (advance again)")
	if len(host.Bodies(PredicateCompleted)) != 0 || host.state("key-1") != "pending" {
		t.Fatal("a failed commit journaled the completion")
	}
	host.failCommit = false
	if got := state(t, plugintest.Must(t, hs, effects.CeremonyAdvance, id)); got != "completed 2" {
		t.Fatalf("at the threshold: %s", got)
	}
	if host.state("key-1") != "active" || len(host.Bodies(PredicateCompleted)) != 1 {
		t.Fatalf("key %s, %d completion facts; want the rotation committed and one fact", host.state("key-1"), len(host.Bodies(PredicateCompleted)))
	}
	answer(t, host, ids[2], "accepted", "dave", "dave", t0+3)
	if got := state(t, plugintest.Must(t, hs, effects.CeremonyAdvance, id)); got != "completed 2" {
		t.Fatalf("advanced again: %s, want it as it completed", got)
	}
	plugintest.Fails(t, hs, effects.CeremonyCancel, id, sdk.CodeConflict, "cannot be rolled back")
	if got := state(t, plugintest.Must(t, as(t, host, "alice"), effects.CeremonyGet, id)); got != "completed 2" {
		t.Fatalf("a restarted instance reads %s", got)
	}
	if l := plugintest.Must(t, hs, effects.CeremonyList, sdk.Null()); l.Len() != 1 {
		t.Fatalf("list: %v", l)
	}
}

// TestCeremonyRollsBack: expiry, cancellation and an unreachable threshold
// each abort the rotation (the old epoch stays) and journal why.
func TestCeremonyRollsBack(t *testing.T) {
	for _, tc := range []struct {
		name   string
		act    func(t *testing.T, host *keyHost, ids []string)
		reason string
	}{
		{"expired", func(t *testing.T, host *keyHost, ids []string) {
			answer(t, host, ids[0], "accepted", "bob", "bob", t0+1)
			host.Advance(60_000)
		}, ReasonExpired},
		{"unreachable", func(t *testing.T, host *keyHost, ids []string) {
			answer(t, host, ids[0], "declined", "bob", "bob", t0+1)
		}, ReasonUnreachable},
		{"an invitation expired unanswered", func(t *testing.T, host *keyHost, ids []string) {
			host.Advance(3_600_000) // the invitations expire before the ceremony does
		}, ReasonUnreachable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host := newKeyHost()
			ids := guardians(t, host, "bob", "carol")
			hs := as(t, host, "alice")
			ttl := int64(60_000)
			if tc.reason == ReasonUnreachable {
				ttl = 7_200_000
			}
			c := plugintest.Must(t, hs, effects.CeremonyPropose, propose(ids, 2, ttl, "key-1"))
			id := args("id", plugintest.Field(t, c, "id"))
			tc.act(t, host, ids)
			got := plugintest.Must(t, hs, effects.CeremonyAdvance, id)
			if s := plugintest.Str(t, got, "state"); s != StateRolledBack || plugintest.Str(t, got, "reason") != tc.reason {
				t.Fatalf("advanced: %v, want rolled back (%s)", got, tc.reason)
			}
			if host.state("key-1") != "" || len(host.Bodies(PredicateRolledBack)) != 1 {
				t.Fatalf("key %q, %d rollback facts: want the rotation aborted and one fact", host.state("key-1"), len(host.Bodies(PredicateRolledBack)))
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		host := newKeyHost()
		ids := guardians(t, host, "bob")
		hs := as(t, host, "alice")
		id := args("id", plugintest.Field(t, plugintest.Must(t, hs, effects.CeremonyPropose, propose(ids, 1, 60_000, "key-2")), "id"))
		if got := state(t, plugintest.Must(t, hs, effects.CeremonyCancel, id)); got != "rolled_back cancelled 0" || host.state("key-2") != "" {
			t.Fatalf("cancelled: %s, key %q", got, host.state("key-2"))
		}
		// A late acceptance changes nothing: rolled back is terminal.
		answer(t, host, ids[0], "accepted", "bob", "bob", t0+1)
		if got := state(t, plugintest.Must(t, hs, effects.CeremonyAdvance, id)); !strings.HasPrefix(got, "rolled_back cancelled") {
			t.Fatalf("advanced after the cancel: %s", got)
		}
		plugintest.Must(t, hs, effects.CeremonyCancel, id)
		if n := len(host.Bodies(PredicateRolledBack)); n != 1 {
			t.Fatalf("%d rollback facts after a second cancel", n)
		}
	})
}

// TestAttackForgedAcceptancesDoNotCount: whoever can merge facts into the
// account's journal forges acceptances; none completes the ceremony.
func TestAttackForgedAcceptancesDoNotCount(t *testing.T) {
	host := newKeyHost()
	ids := guardians(t, host, "bob", "carol")
	hs := as(t, host, "alice")
	c := plugintest.Must(t, hs, effects.CeremonyPropose, propose(ids, 1, 60_000, "key-1"))
	id := args("id", plugintest.Field(t, c, "id"))
	answer(t, host, ids[0], "accepted", "bob", "mallory", t0+1)         // bob's answer, mallory's key
	answer(t, host, ids[0], "accepted", "mallory", "mallory", t0+1)     // by someone other than the receiver
	answer(t, host, ids[1], "accepted", "carol", "carol", t0+3_600_000) // after the invitation expired
	answer(t, host, ids[1], "accepted", "carol", "carol", t0+60_000)    // at the ceremony's expiry: too late
	host.Advance(1)
	got := plugintest.Must(t, hs, effects.CeremonyAdvance, id)
	if s := state(t, got); s != "proposed 0" || host.state("key-1") != "pending" {
		t.Fatalf("forged acceptances: %s, key %s; want nothing counted", s, host.state("key-1"))
	}
	// Another authority's instance over the same journal knows no ceremony
	// of its own and cannot act on alice's.
	plugintest.Fails(t, as(t, host, "mallory"), effects.CeremonyCancel, id, sdk.CodeNotFound, "no ceremony")
	// A genuine acceptance does count.
	answer(t, host, ids[1], "accepted", "carol", "carol", t0+2)
	if s := state(t, plugintest.Must(t, hs, effects.CeremonyAdvance, id)); s != "completed 1" {
		t.Fatalf("carol's genuine acceptance: %s", s)
	}
}
