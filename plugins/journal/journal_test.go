package journal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

func args(kv ...any) sdk.Value {
	m := map[string]sdk.Value{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(sdk.Value)
	}
	return sdk.Map(m)
}

func b(s string) sdk.Value { return sdk.Bytes([]byte(s)) }

// fact builds a fact value.
func fact(typ, authority string, ms int64, predicate string, body sdk.Value) sdk.Value {
	return args("type", sdk.String(typ), "authority", b(authority), "time", sdk.Int(ms),
		"predicate", sdk.String(predicate), "body", body)
}

// newPlugin returns a journal plugin whose database the test closes when
// it ends (a served plugin leaves that to process exit).
func newPlugin(t testing.TB) *sdk.Plugin { return newTestJournal(t, DefaultRegistry()).plugin() }

func newTestJournal(t testing.TB, reg *Registry) *journal {
	j := newJournal(lockTimeout, reg)
	t.Cleanup(func() {
		if err := j.close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return j
}

func mustInvoke(t testing.TB, h *sdktest.Harness, op sdk.OpID, a sdk.Value) sdk.Value {
	t.Helper()
	v, err := h.Invoke(context.Background(), op, a)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return v
}

var (
	sampleFact = fact("counter", "alice", 5, "visits", sdk.Int(1))
	sampleID   = FactID(sampleFact)
	budgetArgs = []any{"context", b("ctx"), "peer", b("bob")}
)

// emptyDigest is a valid digest of no IDs.
func emptyDigest(t testing.TB) []byte {
	data, err := newDigest(0).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestConformance(t *testing.T) {
	t.Parallel()
	proof := args("bits", sdk.List(), "proof", sdk.List())
	sdktest.Conformance(t, newPlugin(t),
		sdktest.WithSample(effects.JournalAppendFact, args("fact", sampleFact)),
		sdktest.WithSample(effects.JournalMergeFacts, args("facts", sdk.List(sampleFact))),
		sdktest.WithSample(effects.JournalGetFact, args("id", sdk.Bytes(sampleID[:]))),
		sdktest.WithSample(effects.JournalMightContain, args("id", sdk.Bytes(sampleID[:]))),
		sdktest.WithSample(effects.JournalInclusionProof, args("id", sdk.Bytes(sampleID[:]))),
		sdktest.WithSample(effects.JournalVerifyFactInclusion, args("id", sdk.Bytes(sampleID[:]), "root", b("r"), "proof", proof)),
		sdktest.WithSample(effects.JournalFactsByAuthority, args("authority", b("alice"))),
		sdktest.WithSample(effects.JournalSyncMissing, args("bloom", sdk.Bytes(emptyDigest(t)), "salt", sdk.Int(1))),
		sdktest.WithSample(effects.JournalView, args("type", sdk.String("counter"))),
		sdktest.WithSample(effects.JournalGetFlowBudget, args(budgetArgs...)),
		sdktest.WithSample(effects.JournalChargeFlowBudget, args(append(budgetArgs, "cost", sdk.Uint(1))...)),
		sdktest.WithSample(effects.JournalSetFlowBudget, args(append(budgetArgs, "limit", sdk.Uint(10), "epoch", sdk.Uint(0))...)),
		sdktest.WithSample(effects.JournalRotateEpoch, args(budgetArgs...)),
		sdktest.WithSample(effects.JournalMergeFlowBudget, args(append(budgetArgs, "limit", sdk.Uint(1), "spent", sdk.Uint(0), "epoch", sdk.Uint(0))...)),
	)
}

// step is one call of a scripted session and what it must return.
type step struct {
	op      sdk.OpID
	args    sdk.Value
	want    sdk.Value
	code    sdk.Code // expected error code, if any
	message string   // a fragment of the expected error message
}

func run(t *testing.T, h *sdktest.Harness, steps []step) {
	t.Helper()
	for i, st := range steps {
		got, err := h.Invoke(context.Background(), st.op, st.args)
		if st.code != "" {
			var e *effects.Error
			if !errors.As(err, &e) || e.Code != st.code || !strings.Contains(e.Message, st.message) {
				t.Fatalf("step %d %s(%v): got %v, %v; want %s error mentioning %q", i, st.op, st.args, got, err, st.code, st.message)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d %s(%v): %v", i, st.op, st.args, err)
		}
		if !got.Equal(st.want) {
			t.Fatalf("step %d %s(%v) =\n%v\nwant\n%v", i, st.op, st.args, got, st.want)
		}
	}
}

func id(v sdk.Value) sdk.Value {
	i := FactID(v)
	return sdk.Bytes(i[:])
}

// sorted returns facts ordered by ID, as list operations return them.
func sorted(facts ...sdk.Value) sdk.Value {
	fs := slices.Clone(facts)
	slices.SortFunc(fs, func(x, y sdk.Value) int {
		a, b := FactID(x), FactID(y)
		return bytes.Compare(a[:], b[:])
	})
	return sdk.List(fs...)
}

func TestOperations(t *testing.T) {
	t.Parallel()
	f1 := fact("counter", "alice", 10, "visits", sdk.Int(1))
	f2 := fact("counter", "alice", 20, "visits", sdk.Int(2))
	f3 := fact("counter", "bob", 20, "logins", sdk.Null())
	f4 := fact("latest", "bob", -5, "status", sdk.String("away"))
	withExtra := sdk.Map(map[string]sdk.Value{"type": sdk.String("note"), "authority": sdk.String("alice"),
		"time": sdk.Int(0), "predicate": sdk.String(""), "body": sdk.List(), "extra": sdk.Bool(true)})
	absent := FactID(fact("counter", "nobody", 0, "x", sdk.Null()))
	cases := []struct {
		name  string
		steps []step
	}{
		{"append is idempotent", []step{
			{op: effects.JournalAppendFact, args: args("fact", f1), want: id(f1)},
			{op: effects.JournalAppendFact, args: args("fact", f1), want: id(f1)},
			{op: effects.JournalMergeFacts, args: args("facts", sdk.List(f1, f1)), want: sdk.Int(0)},
			{op: effects.JournalGetJournal, args: sdk.Null(), want: sdk.List(f1)},
			{op: effects.JournalGetFact, args: args("id", id(f1)), want: f1},
			{op: effects.JournalGetFact, args: args("id", sdk.Bytes(absent[:])), code: sdk.CodeNotFound, message: "no fact"},
		}},
		{"merge counts new facts only", []step{
			{op: effects.JournalMergeFacts, args: args("facts", sdk.List(f1, f2, f1)), want: sdk.Int(2)},
			{op: effects.JournalMergeFacts, args: args("facts", sdk.List(f2, f3, f4)), want: sdk.Int(2)},
			{op: effects.JournalGetJournal, args: sdk.Null(), want: sorted(f1, f2, f3, f4)},
			{op: effects.JournalMergeFacts, args: args("facts", sdk.List()), want: sdk.Int(0)},
		}},
		{"indexes", []step{
			{op: effects.JournalMergeFacts, args: args("facts", sdk.List(f1, f2, f3, f4, withExtra)), want: sdk.Int(5)},
			{op: effects.JournalFactsByPredicate, args: args("predicate", sdk.String("visits")), want: sorted(f1, f2)},
			{op: effects.JournalFactsByPredicate, args: args("predicate", sdk.String("")), want: sdk.List(withExtra)},
			{op: effects.JournalFactsByPredicate, args: args("predicate", sdk.String("visit")), want: sdk.List()},
			{op: effects.JournalFactsByAuthority, args: args("authority", b("bob")), want: sorted(f3, f4)},
			{op: effects.JournalFactsByAuthority, args: args("authority", b("alice")), want: sorted(f1, f2)},
			{op: effects.JournalFactsByAuthority, args: args("authority", sdk.String("alice")), want: sdk.List(withExtra)},
			{op: effects.JournalFactsByType, args: args("type", sdk.String("counter")), want: sorted(f1, f2, f3)},
			{op: effects.JournalFactsInRange, args: args("t0", sdk.Int(-5), "t1", sdk.Int(20)), want: sdk.List(f4, withExtra, f1)},
			{op: effects.JournalFactsInRange, args: args("t0", sdk.Int(20), "t1", sdk.Int(21)), want: sorted(f2, f3)},
			{op: effects.JournalFactsInRange, args: args("t0", sdk.Int(-4), "t1", sdk.Int(0)), want: sdk.List()},
			{op: effects.JournalFactsInRange, args: args("t0", sdk.Int(30), "t1", sdk.Int(0)), want: sdk.List()},
		}},
		{"paging", []step{
			{op: effects.JournalMergeFacts, args: args("facts", sdk.List(f1, f2, f3, f4)), want: sdk.Int(4)},
			{op: effects.JournalGetJournal, args: args("limit", sdk.Int(2)), want: sdk.List(sorted(f1, f2, f3, f4).Items()[:2]...)},
			{op: effects.JournalGetJournal, args: args("after", id(sorted(f1, f2, f3, f4).Items()[1]), "limit", sdk.Int(5)),
				want: sdk.List(sorted(f1, f2, f3, f4).Items()[2:]...)},
			{op: effects.JournalGetJournal, args: args("after", sdk.Bytes(nil)), want: sorted(f1, f2, f3, f4)},
			{op: effects.JournalGetJournal, args: args("limit", sdk.Int(0)), code: sdk.CodeInvalidArgs, message: "limit must be 1 or more"},
		}},
		{"malformed facts", []step{
			{op: effects.JournalAppendFact, args: args("fact", args("type", sdk.String("t"))), code: sdk.CodeInvalidArgs, message: `needs a "authority" field`},
			{op: effects.JournalAppendFact, args: args("fact", args("type", sdk.String(""), "authority", b("a"), "time", sdk.Int(0), "predicate", sdk.String("p"), "body", sdk.Null())),
				code: sdk.CodeInvalidArgs, message: "type must be a non-empty string"},
			{op: effects.JournalAppendFact, args: args("fact", args("type", sdk.String("t"), "authority", sdk.Int(1), "time", sdk.Int(0), "predicate", sdk.String("p"), "body", sdk.Null())),
				code: sdk.CodeInvalidArgs, message: "authority must be non-empty bytes or a non-empty string"},
			{op: effects.JournalAppendFact, args: args("fact", args("type", sdk.String("t"), "authority", b("a"), "time", sdk.String("now"), "predicate", sdk.String("p"), "body", sdk.Null())),
				code: sdk.CodeInvalidArgs, message: "time must be an int"},
			{op: effects.JournalAppendFact, args: args("fact", args("type", sdk.String("t"), "authority", b("a"), "time", sdk.Int(0), "predicate", sdk.String("p"))),
				code: sdk.CodeInvalidArgs, message: `needs a "body" field`},
			{op: effects.JournalMergeFacts, args: args("facts", sdk.List(f1, sdk.Int(3))), code: sdk.CodeInvalidArgs, message: "facts: item 1: a fact must be a map, got int"},
			{op: effects.JournalGetJournal, args: sdk.Null(), want: sdk.List()}, // the failed merge stored nothing
			{op: effects.JournalGetFact, args: args("id", b("short")), code: sdk.CodeInvalidArgs, message: "32-byte fact ID"},
			{op: effects.JournalFactsByAuthority, args: args("authority", sdk.Int(3)), code: sdk.CodeInvalidArgs, message: "authority must be"},
		}},
		{"views", []step{
			{op: effects.JournalMergeFacts, args: args("facts", sdk.List(f1, f2, f3, f4)), want: sdk.Int(4)},
			{op: effects.JournalView, args: args("type", sdk.String("counter")), want: args("logins", sdk.Int(1), "visits", sdk.Int(2))},
			{op: effects.JournalView, args: args("type", sdk.String("counter"), "reducer", sdk.String("latest")),
				want: args("logins", sdk.Null(), "visits", sdk.Int(2))},
			{op: effects.JournalView, args: args("type", sdk.String("latest")), want: args("status", sdk.String("away"))},
			{op: effects.JournalView, args: args("type", sdk.String("latest"), "reducer", sdk.String("counter")), want: args("status", sdk.Int(1))},
			{op: effects.JournalView, args: args("type", sdk.String("nobody")), code: sdk.CodeNotFound, message: `no reducer registered for "nobody"`},
			{op: effects.JournalView, args: args("type", sdk.String("nobody"), "reducer", sdk.String("counter")), want: sdk.Map(nil)},
		}},
		{"stats", []step{
			{op: effects.JournalMergeFacts, args: args("facts", sdk.List(f1, f2)), want: sdk.Int(2)},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run(t, sdktest.New(t, newPlugin(t)), tc.steps)
		})
	}
}

func TestLatestBreaksTiesByID(t *testing.T) {
	t.Parallel()
	a := fact("latest", "alice", 7, "status", sdk.String("a"))
	c := fact("latest", "bob", 7, "status", sdk.String("c"))
	older := fact("latest", "carol", 6, "status", sdk.String("older"))
	winner := a
	if x, y := FactID(a), FactID(c); bytes.Compare(y[:], x[:]) > 0 {
		winner = c
	}
	body, _ := winner.Get("body")
	h := sdktest.New(t, newPlugin(t))
	for _, order := range [][]sdk.Value{{a, c, older}, {older, c, a}} {
		mustInvoke(t, h, effects.JournalMergeFacts, args("facts", sdk.List(order...)))
		got := mustInvoke(t, h, effects.JournalView, args("type", sdk.String("latest")))
		if want := args("status", body); !got.Equal(want) {
			t.Fatalf("latest = %v, want %v (the greater ID among equal times)", got, want)
		}
	}
}

func TestCustomReducer(t *testing.T) {
	t.Parallel()
	reg := DefaultRegistry()
	reg.Register("vote", func(facts []Fact) sdk.Value {
		var yes int64
		for _, f := range facts {
			if v, _ := f.Body.AsBool(); v {
				yes++
			}
		}
		return sdk.Int(yes)
	})
	if got := reg.Types(); !slices.Equal(got, []string{"counter", "latest", "vote"}) {
		t.Fatalf("Types() = %v", got)
	}
	h := sdktest.New(t, newTestJournal(t, reg).plugin())
	mustInvoke(t, h, effects.JournalMergeFacts, args("facts", sdk.List(
		fact("vote", "a", 1, "motion", sdk.Bool(true)),
		fact("vote", "b", 1, "motion", sdk.Bool(false)),
		fact("vote", "c", 1, "motion", sdk.Bool(true)),
	)))
	if got := mustInvoke(t, h, effects.JournalView, args("type", sdk.String("vote"))); !got.Equal(sdk.Int(2)) {
		t.Fatalf("vote view = %v, want 2", got)
	}
	for name, register := range map[string]func(){
		"duplicate":   func() { reg.Register("vote", CountByPredicate) },
		"empty type":  func() { reg.Register("", CountByPredicate) },
		"nil reducer": func() { reg.Register("x", nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("Register did not panic")
				}
			}()
			register()
		})
	}
}

func TestFlowBudgets(t *testing.T) {
	t.Parallel()
	with := func(kv ...any) sdk.Value { return args(append(slices.Clone(budgetArgs), kv...)...) }
	budget := func(limit, spent, epoch uint64) sdk.Value { return FlowBudget{limit, spent, epoch}.Value() }
	h := sdktest.New(t, newPlugin(t))
	run(t, h, []step{
		{op: effects.JournalGetFlowBudget, args: with(), want: budget(0, 0, 0)},
		{op: effects.JournalChargeFlowBudget, args: with("cost", sdk.Uint(0)), code: sdk.CodeExhausted, message: "missing budget grants no headroom"},
		{op: effects.JournalRotateEpoch, args: with(), code: sdk.CodeNotFound, message: "no flow budget"},
		{op: effects.JournalSetFlowBudget, args: with("limit", sdk.Uint(3), "epoch", sdk.Uint(1)), want: budget(3, 0, 1)},
		{op: effects.JournalChargeFlowBudget, args: with("cost", sdk.Uint(2)), want: budget(3, 2, 1)},
		{op: effects.JournalChargeFlowBudget, args: with("cost", sdk.Uint(2)), code: sdk.CodeExhausted, message: "cost 2 exceeds the headroom 1"},
		{op: effects.JournalGetFlowBudget, args: with(), want: budget(3, 2, 1)}, // nothing spent by the refused charge
		{op: effects.JournalChargeFlowBudget, args: with("cost", sdk.Uint(1)), want: budget(3, 3, 1)},
		{op: effects.JournalChargeFlowBudget, args: with("cost", sdk.Uint(1)), code: sdk.CodeExhausted, message: "headroom 0"},
		{op: effects.JournalChargeFlowBudget, args: with("cost", sdk.Uint(^uint64(0))), code: sdk.CodeExhausted, message: "exceeds"},
		{op: effects.JournalRotateEpoch, args: with(), want: budget(3, 0, 2)},
		{op: effects.JournalChargeFlowBudget, args: with("cost", sdk.Uint(1)), want: budget(3, 1, 2)},
		// Same epoch: a new limit keeps what was spent.
		{op: effects.JournalSetFlowBudget, args: with("limit", sdk.Uint(5), "epoch", sdk.Uint(2)), want: budget(5, 1, 2)},
		{op: effects.JournalSetFlowBudget, args: with("limit", sdk.Uint(9), "epoch", sdk.Uint(1)), code: sdk.CodeConflict, message: "older"},
		// Merging replicas: same epoch min/max; an older epoch changes nothing; a newer one wins.
		{op: effects.JournalMergeFlowBudget, args: with("limit", sdk.Uint(4), "spent", sdk.Uint(0), "epoch", sdk.Uint(2)), want: budget(4, 1, 2)},
		{op: effects.JournalMergeFlowBudget, args: with("limit", sdk.Uint(9), "spent", sdk.Uint(3), "epoch", sdk.Uint(2)), want: budget(4, 3, 2)},
		{op: effects.JournalMergeFlowBudget, args: with("limit", sdk.Uint(100), "spent", sdk.Uint(0), "epoch", sdk.Uint(1)), want: budget(4, 3, 2)},
		{op: effects.JournalMergeFlowBudget, args: with("limit", sdk.Uint(6), "spent", sdk.Uint(1), "epoch", sdk.Uint(3)), want: budget(6, 1, 3)},
		// Budgets are per (context, peer).
		{op: effects.JournalGetFlowBudget, args: args("context", b("ctx"), "peer", b("carol")), want: budget(0, 0, 0)},
		{op: effects.JournalGetFlowBudget, args: args("context", b("ctx2"), "peer", b("bob")), want: budget(0, 0, 0)},
		{op: effects.JournalGetFlowBudget, args: args("context", b(""), "peer", b("bob")), code: sdk.CodeInvalidArgs, message: "context must not be empty"},
	})
}

func TestFlowBudgetMergeIsAJoin(t *testing.T) {
	t.Parallel()
	var all []FlowBudget
	for _, l := range []uint64{0, 2, 5} {
		for _, s := range []uint64{0, 1, 5} {
			for _, e := range []uint64{0, 1, 2} {
				all = append(all, FlowBudget{l, s, e})
			}
		}
	}
	for _, x := range all {
		if x.Merge(x) != x {
			t.Fatalf("merge is not idempotent on %v", x)
		}
		for _, y := range all {
			xy := x.Merge(y)
			if xy != y.Merge(x) {
				t.Fatalf("merge is not commutative on %v, %v", x, y)
			}
			if xy.Epoch == x.Epoch && xy.Headroom() > x.Headroom() && x.Epoch >= y.Epoch {
				t.Fatalf("merge of %v and %v created headroom within an epoch: %v", x, y, xy)
			}
			for _, z := range all {
				if xy.Merge(z) != x.Merge(y.Merge(z)) {
					t.Fatalf("merge is not associative on %v, %v, %v", x, y, z)
				}
			}
		}
	}
}

// randomFacts returns n distinct facts drawn from a fixed seed, spread over
// a few types, authorities and predicates and with colliding times.
func randomFacts(n int, seed uint64) []sdk.Value {
	r := rand.New(rand.NewPCG(seed, 0))
	types := []string{"counter", "latest", "note"}
	out := make([]sdk.Value, n)
	for i := range out {
		out[i] = fact(types[r.IntN(len(types))], fmt.Sprintf("authority-%d", r.IntN(7)), int64(r.IntN(200))-50,
			fmt.Sprintf("p%d", r.IntN(13)), args("n", sdk.Int(int64(i)), "r", sdk.Uint(r.Uint64())))
	}
	return out
}

// state is everything observable about a journal's content.
func state(t *testing.T, h *sdktest.Harness) []sdk.Value {
	return []sdk.Value{
		mustInvoke(t, h, effects.JournalGetJournal, sdk.Null()),
		mustInvoke(t, h, effects.JournalMerkleRoot, sdk.Null()),
		mustInvoke(t, h, effects.JournalSyncRoot, sdk.Null()),
		mustInvoke(t, h, effects.JournalView, args("type", sdk.String("counter"))),
		mustInvoke(t, h, effects.JournalView, args("type", sdk.String("latest"))),
		mustInvoke(t, h, effects.JournalView, args("type", sdk.String("note"), "reducer", sdk.String("latest"))),
		mustInvoke(t, h, effects.JournalFactsByPredicate, args("predicate", sdk.String("p3"))),
		mustInvoke(t, h, effects.JournalFactsByAuthority, args("authority", b("authority-2"))),
		mustInvoke(t, h, effects.JournalFactsInRange, args("t0", sdk.Int(-10), "t1", sdk.Int(40))),
	}
}

// TestAnyPermutationGivesTheSameState inserts the same 1000 facts in
// several orders, split into different batches, through merge_facts and
// append_fact, with repeats, and checks every observable result is equal.
func TestAnyPermutationGivesTheSameState(t *testing.T) {
	t.Parallel()
	facts := randomFacts(1000, 1)
	var want []sdk.Value
	for perm := range 5 {
		r := rand.New(rand.NewPCG(uint64(perm), 99))
		order := slices.Clone(facts)
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		h := sdktest.New(t, newPlugin(t))
		added := int64(0)
		for rest := order; len(rest) > 0; {
			switch n := min(1+r.IntN(300), len(rest)); {
			case perm == 0: // one batch of everything
				added += mustAdded(t, h, rest)
				rest = nil
			case n < 20: // small ones one by one
				for _, f := range rest[:n] {
					mustInvoke(t, h, effects.JournalAppendFact, args("fact", f))
					added++
				}
				rest = rest[n:]
			default:
				// Batches overlap what came before: union, not append.
				repeat := order[:r.IntN(len(order)-len(rest)+1)]
				batch := append(slices.Clone(rest[:n]), repeat[:min(len(repeat), 25)]...)
				added += mustAdded(t, h, batch)
				rest = rest[n:]
			}
		}
		if added != int64(len(facts)) {
			t.Fatalf("permutation %d: %d facts reported added, want %d", perm, added, len(facts))
		}
		got := state(t, h)
		if want == nil {
			want = got
			if n := got[0].Len(); n != len(facts) {
				t.Fatalf("get_journal holds %d facts, want %d", n, len(facts))
			}
			continue
		}
		for i := range want {
			if !got[i].Equal(want[i]) {
				t.Fatalf("permutation %d differs from the first in result %d", perm, i)
			}
		}
	}
}

func mustAdded(t *testing.T, h *sdktest.Harness, facts []sdk.Value) int64 {
	n, _ := mustInvoke(t, h, effects.JournalMergeFacts, args("facts", sdk.List(facts...))).AsInt()
	return n
}

// TestInclusionProofs checks both kinds of proof through the plugin: the
// trie's (the default) and RFC 6962's (rfc6962: true), each against its
// own root, and that tampering with any part of either fails.
func TestInclusionProofs(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, newPlugin(t))
	rfc := args("rfc6962", sdk.Bool(true))
	if empty := mustInvoke(t, h, effects.JournalMerkleRoot, sdk.Null()); !empty.Equal(sdk.Bytes(TrieEmptyRoot[:])) {
		t.Fatalf("empty root = %v, want SHA-256(0x02) %x", empty, TrieEmptyRoot)
	}
	if empty := mustInvoke(t, h, effects.JournalMerkleRoot, rfc); !empty.Equal(sdk.Bytes(hasher.EmptyRoot())) {
		t.Fatalf("empty RFC 6962 root = %v, want SHA-256 of nothing %x", empty, hasher.EmptyRoot())
	}
	facts := randomFacts(77, 2) // not a power of two: exercises RFC 6962's ragged right edge
	mustInvoke(t, h, effects.JournalMergeFacts, args("facts", sdk.List(facts...)))
	root := mustInvoke(t, h, effects.JournalMerkleRoot, sdk.Null())
	rfcRoot := mustInvoke(t, h, effects.JournalMerkleRoot, rfc)
	if root.Equal(rfcRoot) {
		t.Fatal("the trie and the RFC 6962 tree have the same root")
	}
	verify := func(id, root, proof sdk.Value) bool {
		v := mustInvoke(t, h, effects.JournalVerifyFactInclusion, args("id", id, "root", root, "proof", proof))
		ok, _ := v.AsBool()
		return ok
	}
	// with returns p with field name set to v.
	with := func(p sdk.Value, name string, v sdk.Value) sdk.Value {
		m := map[string]sdk.Value{}
		for _, f := range p.Fields() {
			m[f.Key] = f.Value
		}
		m[name] = v
		return sdk.Map(m)
	}
	for i, f := range facts {
		p := mustInvoke(t, h, effects.JournalInclusionProof, args("id", id(f)))
		rp := mustInvoke(t, h, effects.JournalInclusionProof, args("id", id(f), "rfc6962", sdk.Bool(true)))
		if r, _ := p.Get("root"); !r.Equal(root) {
			t.Fatalf("proof root %v, merkle_root %v", r, root)
		}
		if r, _ := rp.Get("root"); !r.Equal(rfcRoot) {
			t.Fatalf("RFC 6962 proof root %v, merkle_root %v", r, rfcRoot)
		}
		if scheme, _ := field(p, "scheme").AsString(); scheme != "trie" {
			t.Fatalf("default proof scheme %q", scheme)
		}
		if !verify(id(f), root, p) || !verify(id(f), rfcRoot, rp) {
			t.Fatalf("fact %d: its own proofs do not verify", i)
		}
		if verify(id(f), rfcRoot, p) || verify(id(f), root, rp) {
			t.Fatalf("fact %d: a proof verifies against the other scheme's root", i)
		}
		// Without a scheme, a proof with an index is RFC 6962's.
		noScheme := sdk.Map(map[string]sdk.Value{"index": field(rp, "index"), "size": field(rp, "size"), "proof": field(rp, "proof")})
		if !verify(id(f), rfcRoot, noScheme) {
			t.Fatalf("fact %d: an RFC 6962 proof without its scheme does not verify", i)
		}
		if i%10 != 0 {
			continue
		}
		// Tampering with anything makes it fail.
		other := id(facts[(i+1)%len(facts)])
		for _, c := range []struct {
			root, proof sdk.Value
		}{{root, p}, {rfcRoot, rp}} {
			if verify(other, c.root, c.proof) {
				t.Fatalf("fact %d: its proof verifies another fact", i)
			}
			if verify(id(f), sdk.Bytes(make([]byte, 32)), c.proof) {
				t.Fatalf("fact %d: its proof verifies against a wrong root", i)
			}
			hashes := field(c.proof, "proof")
			items := slices.Clone(hashes.Items())
			flipped, _ := items[0].AsBytes()
			flipped[0] ^= 1
			items[0] = sdk.Bytes(flipped)
			if verify(id(f), c.root, with(c.proof, "proof", sdk.List(items...))) {
				t.Fatalf("fact %d: a proof with a flipped bit verifies", i)
			}
			if verify(id(f), c.root, with(c.proof, "proof", sdk.List(hashes.Items()[1:]...))) {
				t.Fatalf("fact %d: a truncated proof verifies", i)
			}
		}
		n, _ := field(rp, "index").AsUint()
		if verify(id(f), rfcRoot, with(rp, "index", sdk.Uint(n^1))) {
			t.Fatalf("fact %d: its proof verifies at another index", i)
		}
		bits := slices.Clone(field(p, "bits").Items())
		bit, _ := bits[0].AsUint()
		bits[0] = sdk.Uint(bit ^ 1)
		if verify(id(f), root, with(p, "bits", sdk.List(bits...))) {
			t.Fatalf("fact %d: its trie proof verifies with another split bit", i)
		}
	}
	run(t, h, []step{
		{op: effects.JournalInclusionProof, args: args("id", id(fact("x", "y", 0, "z", sdk.Null()))), code: sdk.CodeNotFound, message: "no fact"},
		{op: effects.JournalInclusionProof, args: args("id", id(fact("x", "y", 0, "z", sdk.Null())), "rfc6962", sdk.Bool(true)), code: sdk.CodeNotFound, message: "no fact"},
		{op: effects.JournalVerifyFactInclusion, args: args("id", id(facts[0]), "root", root, "proof", args("index", sdk.Uint(0))),
			code: sdk.CodeInvalidArgs, message: "proof must be a map"},
		{op: effects.JournalVerifyFactInclusion, args: args("id", id(facts[0]), "root", root, "proof", args("index", sdk.Uint(0), "proof", sdk.List())),
			code: sdk.CodeInvalidArgs, message: "an rfc6962 proof must be a map"},
		{op: effects.JournalVerifyFactInclusion, args: args("id", id(facts[0]), "root", root, "proof", args("index", sdk.Uint(0), "size", sdk.Uint(1), "proof", sdk.List(sdk.Int(1)))),
			code: sdk.CodeInvalidArgs, message: "item 0 of the proof list must be bytes"},
		{op: effects.JournalVerifyFactInclusion, args: args("id", id(facts[0]), "root", root, "proof", args("proof", sdk.List())),
			code: sdk.CodeInvalidArgs, message: "a trie proof must be a map"},
		{op: effects.JournalVerifyFactInclusion, args: args("id", id(facts[0]), "root", root, "proof", args("bits", sdk.List(sdk.Uint(256)), "proof", sdk.List(sdk.Bytes(make([]byte, 32))))),
			code: sdk.CodeInvalidArgs, message: "bit 0 must be a uint below 256"},
		{op: effects.JournalVerifyFactInclusion, args: args("id", id(facts[0]), "root", root, "proof", args("scheme", sdk.String("sparse"), "proof", sdk.List())),
			code: sdk.CodeInvalidArgs, message: "unknown scheme"},
	})
	// A proof from an older journal does not verify against the new root.
	old := mustInvoke(t, h, effects.JournalInclusionProof, args("id", id(facts[0])))
	oldRFC := mustInvoke(t, h, effects.JournalInclusionProof, args("id", id(facts[0]), "rfc6962", sdk.Bool(true)))
	mustInvoke(t, h, effects.JournalAppendFact, args("fact", fact("new", "z", 0, "p", sdk.Null())))
	newRoot := mustInvoke(t, h, effects.JournalMerkleRoot, sdk.Null())
	newRFC := mustInvoke(t, h, effects.JournalMerkleRoot, rfc)
	if newRoot.Equal(root) || verify(id(facts[0]), newRoot, old) || newRFC.Equal(rfcRoot) || verify(id(facts[0]), newRFC, oldRFC) {
		t.Fatal("a root did not change with the journal, or an outdated proof verifies")
	}
}

func TestBloomHasNoFalseNegatives(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, newPlugin(t))
	facts := randomFacts(1000, 3)
	mustInvoke(t, h, effects.JournalMergeFacts, args("facts", sdk.List(facts...)))
	for i, f := range facts {
		if ok, _ := mustInvoke(t, h, effects.JournalMightContain, args("id", id(f))).AsBool(); !ok {
			t.Fatalf("fact %d: might_contain = false for a stored fact", i)
		}
	}
}

// TestBloomRateAcrossResizes checks the filter in process: it stays free
// of false negatives, and near its target rate, as the journal outgrows
// the size it was built for. The IDs are fixed, so the count is too.
func TestBloomRateAcrossResizes(t *testing.T) {
	t.Parallel()
	j := newTestJournal(t, DefaultRegistry())
	if err := j.configure(context.Background(), &sdk.Configuration{Values: sdk.Map(nil), StateDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	facts := randomFacts(3*minBloomCapacity, 4)
	parsed := make([]Fact, len(facts))
	for i, v := range facts {
		var err error
		if parsed[i], err = ParseFact(v); err != nil {
			t.Fatal(err)
		}
	}
	for batch := range slices.Chunk(parsed, 1000) {
		if _, err := j.merge(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	}
	if count := uint64(j.index.count()); count != uint64(len(facts)) || j.room < count {
		t.Fatalf("count %d, filter sized for %d", count, j.room)
	}
	for _, f := range parsed {
		if !j.bloom.Test(f.ID[:]) {
			t.Fatal("false negative after a resize")
		}
	}
	falsePositives := 0
	const probes = 20000
	for i := range probes {
		absent := FactID(sdk.Int(int64(i)))
		if j.bloom.Test(absent[:]) {
			falsePositives++
		}
	}
	if rate := float64(falsePositives) / probes; rate > 2*BloomFalsePositiveRate {
		t.Fatalf("false-positive rate %.3f, target %.2f", rate, BloomFalsePositiveRate)
	}
}

func TestStateSurvivesReopening(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j.db")
	withPath := sdktest.WithConfig(args("path", sdk.String(path)))
	first := newJournal(lockTimeout, DefaultRegistry())
	h := sdktest.New(t, first.plugin(), withPath)
	facts := randomFacts(50, 5)
	mustInvoke(t, h, effects.JournalMergeFacts, args("facts", sdk.List(facts...)))
	mustInvoke(t, h, effects.JournalSetFlowBudget, args(append(budgetArgs, "limit", sdk.Uint(7), "epoch", sdk.Uint(1))...))
	before := state(t, h)
	if err := first.close(); err != nil { // what a process exit does to the file lock
		t.Fatal(err)
	}
	h = sdktest.New(t, newPlugin(t), withPath)
	after := state(t, h)
	for i := range before {
		if !after[i].Equal(before[i]) {
			t.Fatalf("result %d changed across a reopen", i)
		}
	}
	for _, f := range facts {
		if ok, _ := mustInvoke(t, h, effects.JournalMightContain, args("id", id(f))).AsBool(); !ok {
			t.Fatal("the Bloom filter was not rebuilt on open")
		}
	}
	if got := mustInvoke(t, h, effects.JournalGetFlowBudget, args(budgetArgs...)); !got.Equal(FlowBudget{7, 0, 1}.Value()) {
		t.Fatalf("budget after reopen = %v", got)
	}
	stats := mustInvoke(t, h, effects.JournalStats, sdk.Null())
	if n, _ := stats.Get("facts"); !n.Equal(sdk.Int(50)) {
		t.Fatalf("stats = %v", stats)
	}
	if p, _ := stats.Get("path"); !p.Equal(sdk.String(path)) {
		t.Fatalf("stats = %v", stats)
	}
}

func TestConfigureErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		name     string
		stateDir string
		values   sdk.Value
		summary  string
	}{
		{"empty", dir, args("path", sdk.String("")), "empty journal path"},
		{"relative without a state directory", "", sdk.Map(nil), "relative journal path without a state directory"},
		{"a directory, not a file", dir, args("path", sdk.String(".")), "cannot open the journal database"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j := newTestJournal(t, DefaultRegistry())
			err := j.configure(context.Background(), &sdk.Configuration{Values: tc.values, StateDir: tc.stateDir})
			var ce *sdk.ConfigError
			if !errors.As(err, &ce) || len(ce.Path) != 1 || ce.Path[0] != "path" || ce.Summary != tc.summary {
				t.Fatalf("got %#v, want a config error on path: %q", err, tc.summary)
			}
		})
	}
}
