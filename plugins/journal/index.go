package journal

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"

	"go.etcd.io/bbolt"
)

// indexes are the journal's indexes by type, predicate, authority and
// time, held in memory. They are derived data: the facts bucket is the
// source of truth, loadIndexes rebuilds them from it on open, and a write
// applies its facts to them only once its transaction has committed, so
// they never name a fact the database does not hold, and a failed write
// leaves them as they were.
//
// Facts are named by handle, their position in ids (the order they were
// indexed in), so that an entry of a value index is 4 bytes rather than a
// 32-byte ID, and a time entry 24 rather than 40: what a write moves, and
// what the indexes hold, is a third of what full IDs would make it.
//
// The type, predicate and authority indexes answer equality lookups: each
// maps a value to its facts in the order they were added, and a read sorts
// the IDs of the one list it asked for (sorted). Keeping those lists
// sorted would make every write move every list it touches, since fact IDs
// are uniformly random and a batch lands all over each list: a 10k batch
// into 100k facts spent 12–18 ms merging sorted lists, against AURA-SPEC
// §7's 10 ms, while the sort a read pays is 1–2 % of fetching and decoding
// the facts it returns (BENCHMARKS.md). The time index answers ranges, so
// it stays sorted by time, then ID; its merge moves only the entries later
// than a batch's earliest, so facts that arrive in time order are
// appended.
//
// apply changes the lists in place: whoever reads one must hold the
// journal's lock (shared) for as long as it uses it, and must not keep it.
type indexes struct {
	ids         []ID                // handle → ID
	byType      map[string][]uint32 // type → handles; every fact is in exactly one list
	byPredicate map[string][]uint32 // predicate → handles
	byAuthority map[string][]uint32 // canonical(authority) → handles: the encoding keeps bytes and strings apart
	byTime      []timeEntry         // by time, then ID
}

// timeEntry is one fact in the time index. It carries the ID's prefix so
// that facts of the same millisecond are ordered without looking their IDs
// up, but for the rare equal prefixes.
type timeEntry struct {
	ms     int64
	prefix uint64
	h      uint32
}

func newIndexes() *indexes {
	return &indexes{byType: map[string][]uint32{}, byPredicate: map[string][]uint32{}, byAuthority: map[string][]uint32{}}
}

// count is the number of facts indexed.
func (x *indexes) count() int { return len(x.ids) }

// sorted returns the IDs of handles in byte order, as the list operations
// return facts.
func (x *indexes) sorted(handles []uint32) []ID {
	ids := make([]ID, len(handles))
	for i, h := range handles {
		ids[i] = x.ids[h]
	}
	return sortIDs(ids)
}

// inRange returns the IDs of the facts with t0 <= time < t1, by time, then
// ID.
func (x *indexes) inRange(t0, t1 int64) []ID {
	if t0 >= t1 {
		return nil
	}
	atOrAfter := func(t int64) int {
		return sort.Search(len(x.byTime), func(i int) bool { return x.byTime[i].ms >= t })
	}
	entries := x.byTime[atOrAfter(t0):atOrAfter(t1)]
	ids := make([]ID, len(entries))
	for i, e := range entries {
		ids[i] = x.ids[e.h]
	}
	return ids
}

// apply adds the facts of b, none of which may be indexed yet. b must have
// been made for this index as it is now (its base is the index's count),
// and its lists may become the index's own: b must not be used afterwards.
func (x *indexes) apply(b *indexBatch) {
	if int(b.base) != len(x.ids) {
		panic(fmt.Sprintf("journal: a batch made for an index of %d facts applied to one of %d", b.base, len(x.ids)))
	}
	if uint64(len(x.ids))+uint64(len(b.ids)) > math.MaxUint32 {
		panic("journal: more facts than 32-bit handles can name") // 4G facts: far past the 100k the journal is designed for
	}
	x.ids = append(x.ids, b.ids...)
	appendGroups(x.byType, b.byType)
	appendGroups(x.byPredicate, b.byPredicate)
	appendGroups(x.byAuthority, b.byAuthority)
	x.byTime = mergeTimes(x.byTime, b.byTime, x.ids)
}

func appendGroups(index, batch map[string][]uint32) {
	for key, handles := range batch {
		if cur, ok := index[key]; ok {
			index[key] = append(cur, handles...)
		} else {
			index[key] = handles
		}
	}
}

// mergeTimes merges batch into s, both sorted by time, then ID (ids maps
// their handles to IDs), and with no entry in common, and returns the
// merged list, reusing s's array when it has room. It works from the back:
// each batch entry, latest first, finds its place among the entries of s
// not yet moved, and the run of s above that place moves up in one copy.
// The place is found by galloping down from the previous one (probing 1,
// 2, 4, … entries below it, then a binary search between the last two
// probes), so a batch of k into n entries costs O(k log(n/k)) comparisons,
// each near the last in memory, and moves only the entries later than the
// batch's earliest: a batch of recent facts is an append.
func mergeTimes(s, batch []timeEntry, ids []ID) []timeEntry {
	n, k := len(s), len(batch)
	if k == 0 {
		return s
	}
	s = slices.Grow(s, k)[:n+k]
	hi := n // s[:hi] holds the entries of s still in their old place
	for i := k - 1; i >= 0; i-- {
		e := batch[i]
		// before reports whether e comes before x.
		before := func(x *timeEntry) bool {
			switch {
			case e.ms != x.ms:
				return e.ms < x.ms
			case e.prefix != x.prefix:
				return e.prefix < x.prefix
			}
			return bytes.Compare(ids[e.h][8:], ids[x.h][8:]) < 0
		}
		lo, top, step := hi-1, hi, 1 // e's place is in [max(lo, 0), top]
		for lo > 0 && before(&s[lo]) {
			top, step = lo, 2*step
			lo = top - step
		}
		lo = max(lo, 0)
		for lo < top {
			if mid := int(uint(lo+top) >> 1); before(&s[mid]) {
				top = mid
			} else {
				lo = mid + 1
			}
		}
		// s[lo:hi] are later than e and earlier than batch[i+1:]: after
		// the merge they have e and batch[:i] below them.
		copy(s[lo+i+1:], s[lo:hi])
		s[lo+i] = e
		hi = lo
	}
	return s
}

// compareID orders IDs as bytes.
func compareID(a, b ID) int { return bytes.Compare(a[:], b[:]) }

// prefix is an ID's first eight bytes as an integer, which orders as they
// do.
func prefix(id *ID) uint64 { return binary.BigEndian.Uint64(id[:8]) }

// sortIDs returns ids sorted in byte order, in a new array. Fact IDs are
// uniformly distributed, so it deals them by their leading bits into about
// as many buckets as there are IDs (a counting sort: one pass to count,
// one to place) and then sorts each bucket, nearly always empty or of one
// or two IDs, on its own. A bucket someone filled on purpose, by grinding
// facts whose IDs share a prefix, just takes an ordinary sort.
func sortIDs(ids []ID) []ID {
	n := len(ids)
	out := make([]ID, n)
	if n < 64 {
		copy(out, ids)
		slices.SortFunc(out, compareID)
		return out
	}
	shift := 64 - min(bits.Len(uint(n)), 20) // the bucket of an ID is prefix >> shift
	next := make([]int32, 1<<(64-shift)+1)   // next[b+1] counts bucket b, then next[b] is where its next ID goes
	for i := range ids {
		next[prefix(&ids[i])>>shift+1]++
	}
	for b := 1; b < len(next); b++ {
		next[b] += next[b-1]
	}
	for i := range ids {
		b := prefix(&ids[i]) >> shift
		out[next[b]] = ids[i]
		next[b]++
	}
	// Bucket b now ends at next[b], and starts where bucket b-1 ends.
	start := int32(0)
	for _, end := range next[:len(next)-1] {
		if end-start > 1 {
			slices.SortFunc(out[start:end], compareID)
		}
		start = end
	}
	return out
}

// loadState builds the indexes of the facts stored in tx, decoding every
// fact once, in the ID order the facts bucket yields them, and returns the
// handles of the signed facts, in ID order.
func loadState(tx *bbolt.Tx) (*indexes, []uint32, error) {
	facts := tx.Bucket(bucketFacts)
	b := newIndexBatch(0, facts.Stats().KeyN)
	err := facts.ForEach(func(k, v []byte) error {
		f, err := decodeFact(k, v)
		if err != nil {
			return err
		}
		b.add(&f)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	signed := b.signed
	x := newIndexes()
	x.apply(b.seal())
	return x, signed, nil
}
