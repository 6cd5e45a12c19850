package journal

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"slices"

	"go.etcd.io/bbolt"
)

// The database's buckets. Every index key ends with the fact's ID and
// carries an empty value, so a prefix scan of an index yields fact IDs in
// byte order within one indexed value. The versioned names leave room for a
// later layout.
var (
	// bucketFacts maps a fact ID to the fact's canonical encoding.
	bucketFacts = []byte("aura.journal.v1.facts")
	// bucketByType indexes lp(type) ‖ id.
	bucketByType = []byte("aura.journal.v1.by_type")
	// bucketByPredicate indexes lp(predicate) ‖ id.
	bucketByPredicate = []byte("aura.journal.v1.by_predicate")
	// bucketByAuthority indexes lp(canonical(authority)) ‖ id: the
	// authority's canonical encoding keeps bytes and strings apart.
	bucketByAuthority = []byte("aura.journal.v1.by_authority")
	// bucketByTime indexes timeKey(time) ‖ id.
	bucketByTime = []byte("aura.journal.v1.by_time")
	// bucketBudgets maps lp(context) ‖ peer to an encoded FlowBudget.
	bucketBudgets = []byte("aura.journal.v1.flow_budgets")
)

var allBuckets = [][]byte{bucketFacts, bucketByType, bucketByPredicate, bucketByAuthority, bucketByTime, bucketBudgets}

// lp appends b with a uvarint length prefix, so that no value's key is a
// prefix of another value's key.
func lp(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// timeKey encodes a signed time so that byte order is numeric order.
func timeKey(dst []byte, ms int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(ms)^(1<<63))
}

func typePrefix(t string) []byte          { return lp(nil, []byte(t)) }
func predicatePrefix(p string) []byte     { return lp(nil, []byte(p)) }
func authorityPrefix(canon []byte) []byte { return lp(nil, canon) }

// insert writes the facts that are not yet stored, with their index
// entries, in tx. facts must be sorted by ID and free of duplicates.
// mightExist answers cheaply, and without false negatives, whether a fact
// might already be stored (the Bloom filter); only those facts are looked
// up. It returns the facts it added.
//
// Every bucket is written in its own key order: bbolt keeps a
// transaction's changes in unsplit in-memory nodes, so puts in random
// order cost a copy of the node's tail each, and sorted puts append. The
// keys come out sorted without comparing them: facts arrive in ID order, so
// grouping them by indexed value (a stable grouping) and sorting only the
// few distinct values orders lp(value) ‖ id; the time index is a stable
// sort on the integer time.
func insert(tx *bbolt.Tx, facts []Fact, mightExist func(ID) bool) ([]Fact, error) {
	fb := tx.Bucket(bucketFacts)
	added := make([]Fact, 0, len(facts))
	for _, f := range facts {
		if mightExist(f.ID) && fb.Get(f.ID[:]) != nil {
			continue
		}
		added = append(added, f)
	}
	if len(added) == 0 {
		return nil, nil
	}
	for _, f := range added {
		if err := fb.Put(f.ID[:], f.Encoded); err != nil {
			return nil, err
		}
	}
	if err := putIndexes(tx, added); err != nil {
		return nil, err
	}
	return added, nil
}

// putIndexes writes the index entries of facts, which must be sorted by ID
// and not yet stored.
func putIndexes(tx *bbolt.Tx, added []Fact) error {
	grouped := []struct {
		bucket []byte
		value  func(f *Fact) string
	}{
		{bucketByType, func(f *Fact) string { return f.Type }},
		{bucketByPredicate, func(f *Fact) string { return f.Predicate }},
		{bucketByAuthority, func(f *Fact) string { return string(f.Authority.Canonical()) }},
	}
	empty := []byte{}
	for _, g := range grouped {
		groups := map[string][]int{}
		size := 0
		for i := range added {
			v := g.value(&added[i])
			groups[v] = append(groups[v], i)
			size += binary.MaxVarintLen64 + len(v) + IDSize
		}
		// Order the values as their keys order: by lp(value), which is by
		// length first.
		values := make([]string, 0, len(groups))
		for v := range groups {
			values = append(values, v)
		}
		slices.SortFunc(values, func(a, b string) int { return bytes.Compare(lp(nil, []byte(a)), lp(nil, []byte(b))) })
		// One allocation for every key: bbolt keeps the key slices until
		// the transaction ends, so they cannot share a reused buffer.
		arena := make([]byte, 0, size)
		b := tx.Bucket(g.bucket)
		for _, v := range values {
			for _, i := range groups[v] {
				start := len(arena)
				arena = lp(arena, []byte(v))
				arena = append(arena, added[i].ID[:]...)
				if err := b.Put(arena[start:len(arena):len(arena)], empty); err != nil {
					return err
				}
			}
		}
	}
	byTime := make([]int, len(added))
	for i := range byTime {
		byTime[i] = i
	}
	slices.SortStableFunc(byTime, func(i, j int) int { return cmp.Compare(added[i].Time, added[j].Time) })
	arena := make([]byte, 0, len(added)*(8+IDSize))
	b := tx.Bucket(bucketByTime)
	for _, i := range byTime {
		start := len(arena)
		arena = timeKey(arena, added[i].Time)
		arena = append(arena, added[i].ID[:]...)
		if err := b.Put(arena[start:len(arena):len(arena)], empty); err != nil {
			return err
		}
	}
	return nil
}

// scanPrefix calls fn with the fact ID of every key of bucket that starts
// with prefix, in key order.
func scanPrefix(tx *bbolt.Tx, bucket, prefix []byte, fn func(id []byte) error) error {
	c := tx.Bucket(bucket).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if err := fn(k[len(k)-IDSize:]); err != nil {
			return err
		}
	}
	return nil
}
