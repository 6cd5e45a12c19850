package journal

import (
	"cmp"
	"math/bits"
	"slices"
)

// indexBatch is a write's new facts arranged as the indexes are ordered.
// It is built from the committed facts before the journal's lock is taken,
// so that readers wait only for apply.
type indexBatch struct {
	base        uint32 // the handle of the first fact: the index's count when the batch was made
	ids         []ID
	signed      []uint32 // the handles of the signed facts, in ID order
	types       grouping
	predicates  grouping
	authorities grouping
	key         []byte // scratch for canonical authorities

	// Set by seal: the lists to add.
	byType      map[string][]uint32
	byPredicate map[string][]uint32
	byAuthority map[string][]uint32
	byTime      []timeEntry
}

// newIndexBatch starts a batch for an index that holds base facts.
func newIndexBatch(base, capacity int) *indexBatch {
	return &indexBatch{base: uint32(base), ids: make([]ID, 0, capacity), byTime: make([]timeEntry, 0, capacity)}
}

// batchOf arranges facts, sorted by ID and distinct, for apply to an index
// that holds base facts.
func batchOf(base int, facts []*Fact) *indexBatch {
	b := newIndexBatch(base, len(facts))
	for _, f := range facts {
		b.add(f)
	}
	return b.seal()
}

// add appends f, giving it the next handle. Facts must be added in ID
// order, without duplicates: handles then follow ID order within the
// batch, which sortedByTime relies on.
func (b *indexBatch) add(f *Fact) {
	h := b.base + uint32(len(b.ids))
	b.ids = append(b.ids, f.ID)
	if f.Signed {
		b.signed = append(b.signed, h)
	}
	b.types.add(f.Type)
	b.predicates.add(f.Predicate)
	b.key = f.Authority.AppendCanonical(b.key[:0])
	b.authorities.addBytes(b.key)
	b.byTime = append(b.byTime, timeEntry{f.Time, prefix(&f.ID), h})
}

// seal builds the batch's lists. Call it once, after the last add.
func (b *indexBatch) seal() *indexBatch {
	b.byType = b.types.lists(b.base)
	b.byPredicate = b.predicates.lists(b.base)
	b.byAuthority = b.authorities.lists(b.base)
	b.byTime = sortedByTime(b.byTime)
	return b
}

// sortedByTime returns entries, given in ID order (so in handle order),
// ordered by time then ID. The handle stands in for the ID, so that each
// entry reduces to one integer, (time - earliest) << bits | position, and
// the batch sorts as a []uint64 with no comparison function — unless its
// times span more than 2^(64-bits) ms (about 35,000 years for a batch of
// 10k), where a stable sort by time keeps the ID order among equal times.
func sortedByTime(entries []timeEntry) []timeEntry {
	n := len(entries)
	if n < 2 {
		return entries
	}
	lo, hi := entries[0].ms, entries[0].ms
	for _, e := range entries {
		lo, hi = min(lo, e.ms), max(hi, e.ms)
	}
	shift := bits.Len(uint(n - 1))
	if uint64(hi)-uint64(lo) >= 1<<(64-shift) {
		slices.SortStableFunc(entries, func(a, b timeEntry) int { return cmp.Compare(a.ms, b.ms) })
		return entries
	}
	keys := make([]uint64, n)
	for i, e := range entries {
		keys[i] = (uint64(e.ms)-uint64(lo))<<shift | uint64(i)
	}
	slices.Sort(keys)
	out := make([]timeEntry, n)
	for i, k := range keys {
		out[i] = entries[k&(1<<shift-1)]
	}
	return out
}

// grouping collects which group each of a batch's facts falls in, so that
// lists builds every group's list in one array: a counting sort, with one
// map lookup per fact and no append per group.
type grouping struct {
	number map[string]int32 // key → group number
	keys   []string         // group number → key
	count  []int32          // group number → facts
	of     []int32          // fact → group number
}

func (g *grouping) add(key string) {
	n, ok := g.number[key]
	if !ok {
		n = g.newGroup(key)
	}
	g.count[n]++
	g.of = append(g.of, n)
}

// addBytes is add of string(key), which it copies only for a new group.
func (g *grouping) addBytes(key []byte) {
	n, ok := g.number[string(key)]
	if !ok {
		n = g.newGroup(string(key))
	}
	g.count[n]++
	g.of = append(g.of, n)
}

func (g *grouping) newGroup(key string) int32 {
	if g.number == nil {
		g.number = map[string]int32{}
	}
	n := int32(len(g.keys))
	g.number[key] = n
	g.keys = append(g.keys, key)
	g.count = append(g.count, 0)
	return n
}

// lists returns each group's handles, fact i of the batch having handle
// base+i. The lists share one array, each capped at its own length so
// that growing one never writes over the next.
func (g *grouping) lists(base uint32) map[string][]uint32 {
	out := make(map[string][]uint32, len(g.keys))
	next := make([]int32, len(g.keys)) // where the group's next handle goes
	var start int32
	for n, c := range g.count {
		next[n] = start
		start += c
	}
	arena := make([]uint32, len(g.of))
	for i, n := range g.of {
		arena[next[n]] = base + uint32(i)
		next[n]++
	}
	for n, key := range g.keys {
		end := next[n]
		out[key] = arena[end-g.count[n] : end : end]
	}
	return out
}
