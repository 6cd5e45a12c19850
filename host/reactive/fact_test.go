package reactive

import (
	"testing"

	"github.com/aurahost/aura-host/effects"
)

// The facts a journal call committed are read from its arguments and
// result, as the journal shapes them.
func TestCommitFacts(t *testing.T) {
	a, b, c := fact("p", "x", 1, effects.Null()), fact("p", "x", 2, effects.Null()), fact("p", "x", 3, effects.Null())
	page := effects.List(b, c).Canonical()
	malformed := m("type", "t", "predicate", "p") // no authority, time, body
	tests := []struct {
		name string
		c    Commit
		want []effects.Value
	}{
		{"append", appendCommit(a), []effects.Value{a}},
		{"append of a malformed fact", Commit{Op: effects.JournalAppendFact, Args: m("fact", malformed), Result: effects.Bytes(make([]byte, 32))}, nil},
		{"merge", mergeCommit(a, b), []effects.Value{a, b}},
		{"merge that added nothing", Commit{Op: effects.JournalMergeFacts, Args: m("facts", effects.List(a)), Result: effects.Int(0)}, nil},
		{"merge_signed, facts and pages, one refused", Commit{Op: effects.JournalMergeSigned,
			Args:   m("facts", effects.List(a), "pages", effects.List(effects.Bytes(page))),
			Result: m("merged", 2, "known", 0, "refused", effects.List(m("index", 1, "reason", "bad signature")))},
			[]effects.Value{a, c}},
		{"merge_signed that merged nothing", Commit{Op: effects.JournalMergeSigned, Args: m("facts", effects.List(a)),
			Result: m("merged", 0, "known", 1, "refused", effects.List())}, nil},
		{"merge_signed with a page that is not a list", Commit{Op: effects.JournalMergeSigned,
			Args: m("pages", effects.List(effects.Bytes([]byte{0xff}))), Result: m("merged", 1)}, nil},
		{"another operation", Commit{Op: effects.JournalGetJournal, Result: effects.List(a)}, nil},
	}
	for _, tc := range tests {
		got := tc.c.Facts()
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d facts, want %d", tc.name, len(got), len(tc.want))
			continue
		}
		for i, w := range tc.want {
			if string(got[i].ID[:]) != string(factID(w)) {
				t.Errorf("%s: fact %d has ID %x, want %x", tc.name, i, got[i].ID, factID(w))
			}
		}
	}
	for _, op := range []effects.OpID{effects.JournalAppendFact, effects.JournalMergeFacts, effects.JournalMergeSigned} {
		if !Commits(op) {
			t.Errorf("%s commits facts", op)
		}
	}
	if Commits(effects.JournalFactsByPredicate) || Commits(effects.JournalChargeFlowBudget) {
		t.Error("a read or a budget operation counted as a commit")
	}
}
