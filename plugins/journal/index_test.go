package journal

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

// TestMergeTimes checks mergeTimes against a sort of the union, on every
// split of random lists, with and without room in s's array, and with
// times and ID prefixes that tie.
func TestMergeTimes(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		n := r.IntN(80)
		ids := make([]ID, n)
		times := make([]timeEntry, n)
		for i := range times {
			binary.BigEndian.PutUint64(ids[i][:], r.Uint64()%64)
			ids[i][8], ids[i][31] = byte(i), byte(r.IntN(256))
			times[i] = timeEntry{r.Int64N(5) - 2, prefix(&ids[i]), uint32(i)}
		}
		byTimeThenID := func(a, b timeEntry) int {
			if a.ms != b.ms {
				return cmp.Compare(a.ms, b.ms)
			}
			return compareID(ids[a.h], ids[b.h])
		}
		split := r.IntN(n + 1)
		room := r.IntN(2) * (n - split + r.IntN(3))
		s, batch := slices.Grow(slices.Clone(times[:split]), room), slices.Clone(times[split:])
		slices.SortFunc(s, byTimeThenID)
		slices.SortFunc(batch, byTimeThenID)
		want := slices.Clone(times)
		slices.SortFunc(want, byTimeThenID)
		if got := mergeTimes(s, batch, ids); !slices.Equal(got, want) {
			t.Fatalf("mergeTimes of %d into %d gave the wrong list", len(batch), split)
		}
	}
}

// indexView is what indexes say, apart from handles and from the order
// facts came in: every list as the IDs it names, the value indexes' lists
// sorted (they are sets), the time index in its own order.
type indexView struct {
	ids                              []ID
	byType, byPredicate, byAuthority map[string][]ID
	byTime                           []timedID
}

type timedID struct {
	ms int64
	id ID
}

func viewOf(x *indexes) indexView {
	lists := func(m map[string][]uint32) map[string][]ID {
		out := map[string][]ID{}
		for k, handles := range m {
			out[k] = x.sorted(handles)
		}
		return out
	}
	v := indexView{ids: sortIDs(x.ids), byType: lists(x.byType), byPredicate: lists(x.byPredicate), byAuthority: lists(x.byAuthority)}
	for _, e := range x.byTime {
		v.byTime = append(v.byTime, timedID{e.ms, x.ids[e.h]})
	}
	return v
}

// referenceView builds what the indexes of facts must say, the plain way.
func referenceView(facts []Fact) indexView {
	v := indexView{byType: map[string][]ID{}, byPredicate: map[string][]ID{}, byAuthority: map[string][]ID{}}
	for _, f := range facts {
		v.ids = append(v.ids, f.ID)
		v.byType[f.Type] = append(v.byType[f.Type], f.ID)
		v.byPredicate[f.Predicate] = append(v.byPredicate[f.Predicate], f.ID)
		auth := string(f.Authority.Canonical())
		v.byAuthority[auth] = append(v.byAuthority[auth], f.ID)
		v.byTime = append(v.byTime, timedID{f.Time, f.ID})
	}
	slices.SortFunc(v.ids, compareID)
	for _, m := range []map[string][]ID{v.byType, v.byPredicate, v.byAuthority} {
		for _, ids := range m {
			slices.SortFunc(ids, compareID)
		}
	}
	slices.SortFunc(v.byTime, func(a, b timedID) int {
		if a.ms != b.ms {
			return cmp.Compare(a.ms, b.ms)
		}
		return compareID(a.id, b.id)
	})
	return v
}

// diff reports where v and w differ, or "" if they do not.
func (v indexView) diff(w indexView) string {
	equalLists := func(x, y map[string][]ID) bool {
		return maps.EqualFunc(x, y, func(p, q []ID) bool { return slices.Equal(p, q) })
	}
	switch {
	case !slices.Equal(v.ids, w.ids):
		return "all IDs"
	case !equalLists(v.byType, w.byType):
		return "by type"
	case !equalLists(v.byPredicate, w.byPredicate):
		return "by predicate"
	case !equalLists(v.byAuthority, w.byAuthority):
		return "by authority"
	case !slices.Equal(v.byTime, w.byTime):
		return "by time"
	}
	return ""
}

func parse(t testing.TB, values []sdk.Value) []Fact {
	t.Helper()
	out := make([]Fact, len(values))
	for i, v := range values {
		f, err := ParseFact(v)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = f
	}
	return out
}

// TestIndexesMatchAReferenceAndSurviveReopening merges overlapping
// batches of every size, checks the indexes against ones built the plain
// way after each, then checks that reopening the file rebuilds exactly the
// indexes it had.
func TestIndexesMatchAReferenceAndSurviveReopening(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "j.db")
	config := &sdk.Configuration{Values: args("path", sdk.String(path))}
	j := newTestJournal(t, DefaultRegistry())
	if err := j.configure(ctx, config); err != nil {
		t.Fatal(err)
	}
	facts := parse(t, randomFacts(3000, 8))
	// Authorities as strings as well as bytes: the index keeps them apart.
	for i := range 20 {
		v := sdk.Map(map[string]sdk.Value{"type": sdk.String("note"), "authority": sdk.String("authority-1"),
			"time": sdk.Int(int64(i % 3)), "predicate": sdk.String("p1"), "body": sdk.Int(int64(i))})
		facts = append(facts, parse(t, []sdk.Value{v})...)
	}
	r := rand.New(rand.NewPCG(8, 8))
	r.Shuffle(len(facts), func(a, b int) { facts[a], facts[b] = facts[b], facts[a] })
	for done := 0; done < len(facts); {
		n := min([]int{1, 2, 7, 100, 900}[r.IntN(5)], len(facts)-done)
		batch := slices.Clone(facts[done : done+n])
		batch = append(batch, facts[r.IntN(done+n)]) // a repeat: union, not append
		if _, err := j.merge(ctx, batch); err != nil {
			t.Fatal(err)
		}
		done += n
		if diff := viewOf(j.index).diff(referenceView(facts[:done])); diff != "" {
			t.Fatalf("after %d facts the index %s differs from the reference", done, diff)
		}
	}
	before := viewOf(j.index)
	if err := j.close(); err != nil {
		t.Fatal(err)
	}
	reopened := newTestJournal(t, DefaultRegistry())
	if err := reopened.configure(ctx, config); err != nil {
		t.Fatal(err)
	}
	if diff := viewOf(reopened.index).diff(before); diff != "" {
		t.Fatalf("after reopening, the index %s differs from before", diff)
	}
}

// TestAbortedCommitLeavesTheIndexesUnchanged makes a merge's transaction
// fail after its puts, and checks that nothing observable changed — the
// indexes, the Bloom filter, the Merkle root, the file — and that the same
// merge succeeds in full afterwards.
func TestAbortedCommitLeavesTheIndexesUnchanged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	j := newTestJournal(t, DefaultRegistry())
	if err := j.configure(ctx, &sdk.Configuration{Values: sdk.Map(nil), StateDir: dir}); err != nil {
		t.Fatal(err)
	}
	h := sdktest.New(t, j.plugin(), sdktest.WithConfig(args("path", sdk.String(j.path))))
	old := append(randomFacts(300, 9), signedFacts(deviceKey(1), "alice", 20, 0)...)
	mustInvoke(t, h, effects.JournalMergeFacts, args("facts", sdk.List(old...)))
	wantState := state(t, h)
	wantIndex, wantBloom := viewOf(j.index), j.bloom.Copy()

	errDisk := errors.New("disk on fire")
	j.beforeCommit = func() error { return errDisk }
	batch := append(append(randomFacts(500, 10), signedFacts(deviceKey(1), "alice", 20, 100)...), old[:50]...)
	for _, call := range []struct {
		op   sdk.OpID
		args sdk.Value
	}{
		{effects.JournalMergeFacts, args("facts", sdk.List(batch...))},
		{effects.JournalAppendFact, args("fact", batch[0])},
	} {
		if _, err := h.Invoke(ctx, call.op, call.args); err == nil {
			t.Fatalf("%s succeeded with a failing commit", call.op)
		}
		if diff := viewOf(j.index).diff(wantIndex); diff != "" {
			t.Fatalf("%s: a failed commit changed the index %s", call.op, diff)
		}
		if !j.bloom.Equal(wantBloom) {
			t.Fatalf("%s: a failed commit changed the Bloom filter", call.op)
		}
		got := state(t, h)
		for i := range wantState {
			if !got[i].Equal(wantState[i]) {
				t.Fatalf("%s: a failed commit changed result %d", call.op, i)
			}
		}
	}
	// Nothing reached the file either: a reopen rebuilds the same indexes.
	if err := j.close(); err != nil {
		t.Fatal(err)
	}
	j.beforeCommit = nil
	if err := j.configure(ctx, &sdk.Configuration{Values: args("path", sdk.String(j.path))}); err != nil {
		t.Fatal(err)
	}
	if diff := viewOf(j.index).diff(wantIndex); diff != "" {
		t.Fatalf("after reopening, the index %s differs", diff)
	}
	if n, _ := mustInvoke(t, h, effects.JournalMergeFacts, args("facts", sdk.List(batch...))).AsInt(); n != 520 {
		t.Fatalf("the merge retried after the failure added %d facts, want 520", n)
	}
	if diff := viewOf(j.index).diff(referenceView(parse(t, append(old, batch[:520]...)))); diff != "" {
		t.Fatalf("after the retried merge the index %s differs from the reference", diff)
	}
}

// TestMigratesLayout1 opens a file written by layout 1 (facts and index
// buckets, no layout marker): its index buckets are dropped, its facts and
// budgets kept, and the journal answers as one built from the same facts.
// A file of a newer layout is refused.
func TestMigratesLayout1(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "old.db")
	facts := randomFacts(400, 12)
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	parsed := parse(t, facts)
	slices.SortFunc(parsed, func(a, b Fact) int { return compareID(a.ID, b.ID) })
	err = db.Update(func(tx *bbolt.Tx) error {
		fb, err := tx.CreateBucket(bucketFacts)
		if err != nil {
			return err
		}
		for _, f := range parsed {
			if err := fb.Put(f.ID[:], f.Encoded); err != nil {
				return err
			}
		}
		bb, err := tx.CreateBucket(bucketBudgets)
		if err != nil {
			return err
		}
		if err := bb.Put(budgetKey([]byte("ctx"), []byte("bob")), FlowBudget{7, 2, 1}.encode()); err != nil {
			return err
		}
		return putLegacyIndexes(tx, parsed)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	migrated := newTestJournal(t, DefaultRegistry())
	h := sdktest.New(t, migrated.plugin(), sdktest.WithConfig(args("path", sdk.String(path))))
	fresh := sdktest.New(t, newPlugin(t))
	mustInvoke(t, fresh, effects.JournalMergeFacts, args("facts", sdk.List(facts...)))
	got, want := state(t, h), state(t, fresh)
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Fatalf("result %d of the migrated journal differs from a fresh one's", i)
		}
	}
	if got := mustInvoke(t, h, effects.JournalGetFlowBudget, args(budgetArgs...)); !got.Equal(FlowBudget{7, 2, 1}.Value()) {
		t.Fatalf("budget after migration = %v", got)
	}
	err = migrated.db.View(func(tx *bbolt.Tx) error {
		for _, name := range legacyIndexBuckets {
			if tx.Bucket(name) != nil {
				t.Errorf("the layout 1 bucket %s is still there", name)
			}
		}
		if v := tx.Bucket(bucketMeta).Get(keyLayout); binary.BigEndian.Uint64(v) != layout {
			t.Errorf("layout marker %x, want %d", v, layout)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// A newer layout is refused, and left as it is.
	if err := migrated.close(); err != nil {
		t.Fatal(err)
	}
	if db, err = bbolt.Open(path, 0o600, nil); err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyLayout, binary.BigEndian.AppendUint64(nil, layout+1))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	err = newTestJournal(t, DefaultRegistry()).configure(context.Background(), &sdk.Configuration{Values: args("path", sdk.String(path))})
	var ce *sdk.ConfigError
	if !errors.As(err, &ce) || ce.Summary != "cannot initialise the journal database" {
		t.Fatalf("opening a newer layout: got %v, want a config error", err)
	}
}

// TestReadersDuringMerges runs readers of every kind against a journal
// that writers are merging into, under -race. Readers are not held up by
// a write transaction (one is kept open while they read), never see its
// facts before it commits, and every answer is internally ordered and
// consistent; the end state is the one a single merge gives.
func TestReadersDuringMerges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	j := newTestJournal(t, DefaultRegistry())
	h := sdktest.New(t, j.plugin())
	facts := randomFacts(1500, 13)

	// A write transaction held open between its puts and its commit.
	inTx, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	j.beforeCommit = func() error {
		once.Do(func() {
			close(inTx)
			<-release
		})
		return nil
	}
	first := make(chan error, 1)
	go func() {
		_, err := h.Invoke(ctx, effects.JournalMergeFacts, args("facts", sdk.List(facts[:500]...)))
		first <- err
	}()
	waitFor(t, inTx, "the first merge to reach its commit")
	readCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	for op, a := range map[sdk.OpID]sdk.Value{
		effects.JournalGetJournal:  sdk.Null(),
		effects.JournalFactsByType: args("type", sdk.String("counter")),
	} {
		got, err := h.Invoke(readCtx, op, a)
		if err != nil {
			t.Fatalf("%s while a merge was committing: %v (readers must not wait for writers)", op, err)
		}
		if got.Len() != 0 {
			t.Fatalf("%s saw %d facts of an uncommitted merge", op, got.Len())
		}
	}
	if root, err := h.Invoke(readCtx, effects.JournalMerkleRoot, sdk.Null()); err != nil || !root.Equal(sdk.Bytes(TrieEmptyRoot[:])) {
		t.Fatalf("merkle_root while a merge was committing: %v, %v", root, err)
	}
	cancel()
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}

	// Writers and readers together.
	var writers, readers sync.WaitGroup
	done := make(chan struct{})
	for w, part := range [][]sdk.Value{facts[500:1000], facts[1000:]} {
		writers.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 13))
			for rest := part; len(rest) > 0; {
				n := min(1+r.IntN(80), len(rest))
				if n < 5 {
					for _, f := range rest[:n] {
						if _, err := h.Invoke(ctx, effects.JournalAppendFact, args("fact", f)); err != nil {
							t.Error(err)
						}
					}
				} else if _, err := h.Invoke(ctx, effects.JournalMergeFacts, args("facts", sdk.List(append(rest[:n:n], facts[r.IntN(500)])...))); err != nil {
					t.Error(err)
				}
				rest = rest[n:]
			}
		})
	}
	for range 4 {
		readers.Go(func() { readUntil(t, h, done, facts[:500]) })
	}
	writers.Wait()
	close(done)
	readers.Wait()

	single := sdktest.New(t, newPlugin(t))
	mustInvoke(t, single, effects.JournalMergeFacts, args("facts", sdk.List(facts...)))
	got, want := state(t, h), state(t, single)
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Fatalf("result %d after concurrent merges differs from a single merge's", i)
		}
	}
	if diff := viewOf(j.index).diff(referenceView(parse(t, facts))); diff != "" {
		t.Fatalf("after concurrent merges the index %s differs from the reference", diff)
	}
}

func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("gave up waiting for %s", what)
	}
}

// readUntil reads the journal every way until done, at least once, and
// checks each answer: lists ordered as documented and holding only what
// was asked for, counts that never go down, proofs that verify. stored
// are facts committed before it started.
func readUntil(t *testing.T, h *sdktest.Harness, done <-chan struct{}, stored []sdk.Value) {
	ctx := context.Background()
	invoke := func(op sdk.OpID, a sdk.Value) (sdk.Value, bool) {
		v, err := h.Invoke(ctx, op, a)
		if err != nil {
			t.Errorf("%s: %v", op, err)
			return v, false
		}
		return v, true
	}
	byID := func(list sdk.Value) bool {
		items := list.Items()
		return slices.IsSortedFunc(items, func(a, b sdk.Value) int { return compareID(FactID(a), FactID(b)) })
	}
	timeOf := func(f sdk.Value) int64 { v, _ := f.Get("time"); ms, _ := v.AsInt(); return ms }
	var seen, seenCounters int
	for i := 0; ; i++ {
		select {
		case <-done:
			if i > 0 {
				return
			}
		default:
		}
		all, ok := invoke(effects.JournalGetJournal, sdk.Null())
		if !ok {
			return
		}
		if all.Len() < seen || !byID(all) {
			t.Errorf("get_journal went from %d to %d facts, or is out of order", seen, all.Len())
			return
		}
		seen = all.Len()
		counters, ok := invoke(effects.JournalFactsByType, args("type", sdk.String("counter")))
		if !ok {
			return
		}
		if counters.Len() < seenCounters || !byID(counters) {
			t.Errorf("facts_by_type went from %d to %d facts, or is out of order", seenCounters, counters.Len())
			return
		}
		seenCounters = counters.Len()
		for _, f := range counters.Items() {
			if typ, _ := f.Get("type"); !typ.Equal(sdk.String("counter")) {
				t.Errorf("facts_by_type(counter) returned a fact of type %v", typ)
				return
			}
		}
		inRange, ok := invoke(effects.JournalFactsInRange, args("t0", sdk.Int(-10), "t1", sdk.Int(40)))
		if !ok {
			return
		}
		ordered := slices.IsSortedFunc(inRange.Items(), func(a, b sdk.Value) int {
			if ta, tb := timeOf(a), timeOf(b); ta != tb {
				return cmp.Compare(ta, tb)
			}
			return compareID(FactID(a), FactID(b))
		})
		if !ordered {
			t.Error("facts_in_range is not ordered by time, then ID")
			return
		}
		for _, f := range inRange.Items() {
			if ms := timeOf(f); ms < -10 || ms >= 40 {
				t.Errorf("facts_in_range(-10, 40) returned a fact at %d", ms)
				return
			}
		}
		if _, ok := invoke(effects.JournalView, args("type", sdk.String("latest"))); !ok {
			return
		}
		f := stored[i%len(stored)]
		if maybe, _ := h.Invoke(ctx, effects.JournalMightContain, args("id", id(f))); !maybe.Equal(sdk.Bool(true)) {
			t.Error("might_contain = false for a stored fact")
			return
		}
		p, ok := invoke(effects.JournalInclusionProof, args("id", id(f)))
		if !ok {
			return
		}
		root, _ := p.Get("root")
		if v, _ := h.Invoke(ctx, effects.JournalVerifyFactInclusion, args("id", id(f), "root", root, "proof", p)); !v.Equal(sdk.Bool(true)) {
			t.Error("an inclusion proof taken during merges does not verify")
			return
		}
	}
}

func TestSortedByTime(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for _, spread := range []int64{1, 3, 1000, 1 << 40, 1 << 62} {
		for _, n := range []int{0, 1, 2, 5, 100, 3000} {
			// Handles in ID order, as a batch gives them.
			entries := make([]timeEntry, n)
			for i := range entries {
				entries[i] = timeEntry{ms: r.Int64N(spread) - spread/2, h: uint32(i)}
				if spread == 1<<62 && i%2 == 0 {
					entries[i].ms = -entries[i].ms - 1<<62 // spans more than the packed keys hold
				}
			}
			want := slices.Clone(entries)
			slices.SortFunc(want, func(a, b timeEntry) int {
				if a.ms != b.ms {
					return cmp.Compare(a.ms, b.ms)
				}
				return cmp.Compare(a.h, b.h)
			})
			if got := sortedByTime(entries); !slices.Equal(got, want) {
				t.Fatalf("spread %d, n %d: sortedByTime differs from a sort by time, then ID", spread, n)
			}
		}
	}
}

func TestSortedIDs(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 63, 64, 65, 1000, 40_000} {
		for _, ground := range []bool{false, true} {
			ids := make([]ID, n)
			for i := range ids {
				for k := 0; k < IDSize; k += 8 {
					binary.BigEndian.PutUint64(ids[i][k:], r.Uint64())
				}
				if ground && i%3 == 0 {
					ids[i][0], ids[i][1], ids[i][2] = 0x5a, 0x5a, 0x5a // a third of them in one bucket
				}
			}
			orig := slices.Clone(ids)
			want := slices.Clone(ids)
			slices.SortFunc(want, compareID)
			if got := sortIDs(ids); !slices.Equal(got, want) {
				t.Fatalf("n %d, ground %v: sortIDs is not the sorted list", n, ground)
			}
			if !slices.Equal(ids, orig) {
				t.Fatal("sortIDs changed its argument")
			}
		}
	}
}
