package facade_test

import (
	"context"
	"testing"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

var alice = effects.DeriveAuthorityID("alice", 1)

// factValue is a fact as the journal stores and lists it.
func factValue(predicate string, t int64, extra ...effects.Field) effects.Value {
	m := map[string]effects.Value{
		"type": str("invitation"), "authority": effects.Bytes(alice[:]), "time": i64(t),
		"predicate": str(predicate), "body": obj(map[string]effects.Value{"id": str("x")}),
	}
	for _, f := range extra {
		m[f.Key] = f.Value
	}
	return obj(m)
}

func fact(predicate string, t int64) facade.Fact {
	return facade.Fact{Type: "invitation", Authority: facade.AuthorityValue(alice), Time: t,
		Predicate: predicate, Body: obj(map[string]effects.Value{"id": str("x")})}
}

func budgetValue(limit, spent, epoch uint64) effects.Value {
	return obj(map[string]effects.Value{"limit": u64(limit), "spent": u64(spent), "epoch": u64(epoch)})
}

func journalCases() []methodCase {
	id := facade.FactID(filled(32, 0x42))
	idv := effects.Bytes(id[:])
	ctxID, peer := []byte("ctx"), []byte("peer")
	key := []any{"context", bs("ctx"), "peer", bs("peer")}
	withKey := func(kv ...any) effects.Value { return args(append(append([]any{}, key...), kv...)...) }
	extra := fact("invitation.accepted", 9)
	extra.Extra = map[string]effects.Value{"note": str("n")}
	return []methodCase{
		{
			name: "Journal.AppendFact",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Journal.AppendFact(ctx, fact("invitation.created", 5))
			},
			op: effects.JournalAppendFact, args: args("fact", factValue("invitation.created", 5)),
			reply: idv, want: id,
		},
		{
			name: "Journal.MergeFacts",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Journal.MergeFacts(ctx, []facade.Fact{fact("a", 1), extra})
			},
			op:    effects.JournalMergeFacts,
			args:  args("facts", list(factValue("a", 1), factValue("invitation.accepted", 9, effects.Field{Key: "note", Value: str("n")}))),
			reply: i64(1), want: 1,
		},
		{
			name: "Journal.GetJournal",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Journal.GetJournal(ctx, nil, 0) },
			op:   effects.JournalGetJournal, args: effects.Null(),
			reply: list(factValue("a", 1), factValue("invitation.accepted", 9, effects.Field{Key: "note", Value: str("n")})),
			want:  []facade.Fact{fact("a", 1), extra},
		},
		{
			name: "Journal.GetJournal/a page",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Journal.GetJournal(ctx, &id, 10) },
			op:   effects.JournalGetJournal, args: args("after", idv, "limit", i64(10)),
			reply: list(), want: []facade.Fact{},
		},
		{
			name: "Journal.GetFact",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Journal.GetFact(ctx, id) },
			op:   effects.JournalGetFact, args: args("id", idv),
			reply: factValue("a", 1), want: fact("a", 1),
		},
		{
			name: "Journal.FactsByType",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Journal.FactsByType(ctx, "invitation")
			},
			op: effects.JournalFactsByType, args: args("type", str("invitation")),
			reply: list(factValue("a", 1)), want: []facade.Fact{fact("a", 1)},
		},
		{
			name: "Journal.FactsByPredicate",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Journal.FactsByPredicate(ctx, "a")
			},
			op: effects.JournalFactsByPredicate, args: args("predicate", str("a")),
			reply: list(factValue("a", 1)), want: []facade.Fact{fact("a", 1)},
		},
		{
			name: "Journal.FactsByAuthority",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Journal.FactsByAuthority(ctx, facade.AuthorityValue(alice))
			},
			op: effects.JournalFactsByAuthority, args: args("authority", effects.Bytes(alice[:])),
			reply: list(factValue("a", 1)), want: []facade.Fact{fact("a", 1)},
		},
		{
			name: "Journal.FactsInRange",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Journal.FactsInRange(ctx, 0, 10) },
			op:   effects.JournalFactsInRange, args: args("t0", i64(0), "t1", i64(10)),
			reply: list(factValue("a", 1)), want: []facade.Fact{fact("a", 1)},
		},
		{
			name: "Journal.MightContain",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Journal.MightContain(ctx, id) },
			op:   effects.JournalMightContain, args: args("id", idv),
			reply: effects.Bool(true), want: true,
		},
		{
			name: "Journal.MerkleRoot",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Journal.MerkleRoot(ctx) },
			op:   effects.JournalMerkleRoot, args: effects.Null(),
			reply: effects.Bytes(filled(32, 0x0f)), want: filled(32, 0x0f),
		},
		{
			name: "Journal.InclusionProof",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Journal.InclusionProof(ctx, id) },
			op:   effects.JournalInclusionProof, args: args("id", idv),
			reply: obj(map[string]effects.Value{"scheme": str("trie"), "size": u64(3), "bits": list(u64(9), u64(2)),
				"proof": list(effects.Bytes(filled(32, 1)), effects.Bytes(filled(32, 2))), "root": effects.Bytes(filled(32, 0x0f))}),
			want: facade.InclusionProof{Scheme: "trie", Size: 3, Bits: []uint64{9, 2}, Proof: [][]byte{filled(32, 1), filled(32, 2)}, Root: filled(32, 0x0f)},
		},
		{
			name: "Journal.VerifyInclusion/trie",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Journal.VerifyInclusion(ctx, id, filled(32, 0x0f),
					facade.InclusionProof{Size: 3, Bits: []uint64{4}, Proof: [][]byte{filled(32, 1)}, Root: filled(32, 0xff)})
			},
			op: effects.JournalVerifyFactInclusion,
			args: args("id", idv, "root", effects.Bytes(filled(32, 0x0f)),
				"proof", obj(map[string]effects.Value{"scheme": str("trie"), "bits": list(u64(4)), "proof": list(effects.Bytes(filled(32, 1)))})),
			reply: effects.Bool(true), want: true,
		},
		{
			name: "Journal.VerifyInclusion",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Journal.VerifyInclusion(ctx, id, filled(32, 0x0f),
					facade.InclusionProof{Scheme: facade.ProofSchemeRFC6962, Index: 1, Size: 3, Proof: [][]byte{filled(32, 1)}, Root: filled(32, 0xff)})
			},
			op: effects.JournalVerifyFactInclusion,
			args: args("id", idv, "root", effects.Bytes(filled(32, 0x0f)),
				"proof", obj(map[string]effects.Value{"scheme": str("rfc6962"), "index": u64(1), "size": u64(3), "proof": list(effects.Bytes(filled(32, 1)))})),
			reply: effects.Bool(true), want: true,
		},
		{
			name: "Journal.View",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Journal.View(ctx, "invitation", "")
			},
			op: effects.JournalView, args: args("type", str("invitation")),
			reply: obj(map[string]effects.Value{"a": i64(1)}), want: obj(map[string]effects.Value{"a": i64(1)}),
		},
		{
			name: "Journal.View/a named reducer",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Journal.View(ctx, "invitation", "latest")
			},
			op: effects.JournalView, args: args("type", str("invitation"), "reducer", str("latest")),
			reply: list(str("any value")), want: list(str("any value")),
		},
		{
			name: "Journal.Stats",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Journal.Stats(ctx) },
			op:   effects.JournalStats, args: effects.Null(),
			reply: obj(map[string]effects.Value{"facts": i64(2), "file_bytes": i64(4096), "path": str("/j/journal.db")}),
			want:  facade.JournalStats{Facts: 2, FileBytes: 4096, Path: "/j/journal.db"},
		},
		{
			name: "Journal.GetFlowBudget",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Journal.GetFlowBudget(ctx, ctxID, peer)
			},
			op: effects.JournalGetFlowBudget, args: withKey(),
			reply: budgetValue(0, 0, 0), want: facade.FlowBudget{},
		},
		{
			name: "Journal.ChargeFlowBudget",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Journal.ChargeFlowBudget(ctx, ctxID, peer, 3)
			},
			op: effects.JournalChargeFlowBudget, args: withKey("cost", u64(3)),
			reply: budgetValue(10, 3, 1), want: facade.FlowBudget{Limit: 10, Spent: 3, Epoch: 1},
		},
		{
			name: "Journal.SetFlowBudget",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Journal.SetFlowBudget(ctx, ctxID, peer, 10, 1)
			},
			op: effects.JournalSetFlowBudget, args: withKey("limit", u64(10), "epoch", u64(1)),
			reply: budgetValue(10, 0, 1), want: facade.FlowBudget{Limit: 10, Epoch: 1},
		},
		{
			name: "Journal.RotateEpoch",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Journal.RotateEpoch(ctx, ctxID, peer)
			},
			op: effects.JournalRotateEpoch, args: withKey(),
			reply: budgetValue(10, 0, 2), want: facade.FlowBudget{Limit: 10, Epoch: 2},
		},
		{
			name: "Journal.MergeFlowBudget",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Journal.MergeFlowBudget(ctx, ctxID, peer, facade.FlowBudget{Limit: 5, Spent: 4, Epoch: 2})
			},
			op: effects.JournalMergeFlowBudget, args: withKey("limit", u64(5), "spent", u64(4), "epoch", u64(2)),
			reply: budgetValue(5, 4, 2), want: facade.FlowBudget{Limit: 5, Spent: 4, Epoch: 2},
		},
	}
}

// TestFactIDIsTheHashOfTheCanonicalEncoding checks Fact.ID against the
// journal's definition: BLAKE3-256 of the fact map's canonical encoding,
// other fields included.
func TestFactIDIsTheHashOfTheCanonicalEncoding(t *testing.T) {
	f := fact("invitation.created", 5)
	f.Extra = map[string]effects.Value{"zz": effects.Bool(true)}
	want := blake3.Sum256(factValue("invitation.created", 5, effects.Field{Key: "zz", Value: effects.Bool(true)}).Canonical())
	if got := f.ID(); got != want {
		t.Errorf("ID() = %v, want %x", got, want)
	}
	if got := f.ID().String(); len(got) != 64 {
		t.Errorf("String() = %q, want 64 hex digits", got)
	}
	// A fact's own fields win over Extra entries of the same name.
	f.Extra["time"] = i64(99)
	if got, _ := f.Value().Get("time"); !got.Equal(i64(5)) {
		t.Errorf("time = %v, want the fact's Time", got)
	}
}

func TestFlowBudgetHeadroom(t *testing.T) {
	for _, tc := range []struct {
		b    facade.FlowBudget
		want uint64
	}{{facade.FlowBudget{}, 0}, {facade.FlowBudget{Limit: 10, Spent: 3}, 7}, {facade.FlowBudget{Limit: 3, Spent: 10}, 0}} {
		if got := tc.b.Headroom(); got != tc.want {
			t.Errorf("%+v.Headroom() = %d, want %d", tc.b, got, tc.want)
		}
	}
}
