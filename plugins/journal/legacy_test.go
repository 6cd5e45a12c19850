package journal

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"slices"

	"go.etcd.io/bbolt"
)

// putLegacyIndexes writes the index entries of facts (sorted by ID, not yet
// indexed) as layout 1 did, in its buckets: one bbolt key per entry,
// lp(value) ‖ id for type, predicate and canonical authority, and
// timeKey(time) ‖ id for time, with empty values, each bucket's keys put in
// key order. Tests use it to make layout 1 files to migrate; benchmarks
// use it as the baseline the in-memory indexes replaced.
func putLegacyIndexes(tx *bbolt.Tx, added []Fact) error {
	grouped := []struct {
		bucket []byte
		value  func(f *Fact) string
	}{
		{legacyIndexBuckets[0], func(f *Fact) string { return f.Type }},
		{legacyIndexBuckets[1], func(f *Fact) string { return f.Predicate }},
		{legacyIndexBuckets[2], func(f *Fact) string { return string(f.Authority.Canonical()) }},
	}
	empty := []byte{}
	for _, g := range grouped {
		b, err := tx.CreateBucketIfNotExists(g.bucket)
		if err != nil {
			return err
		}
		groups := map[string][]int{}
		size := 0
		for i := range added {
			v := g.value(&added[i])
			groups[v] = append(groups[v], i)
			size += binary.MaxVarintLen64 + len(v) + IDSize
		}
		values := make([]string, 0, len(groups))
		for v := range groups {
			values = append(values, v)
		}
		slices.SortFunc(values, func(a, b string) int { return bytes.Compare(lp(nil, []byte(a)), lp(nil, []byte(b))) })
		// bbolt keeps the key slices until the transaction ends, so they
		// cannot share a reused buffer.
		arena := make([]byte, 0, size)
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
	b, err := tx.CreateBucketIfNotExists(legacyIndexBuckets[3])
	if err != nil {
		return err
	}
	for _, i := range byTime {
		start := len(arena)
		arena = binary.BigEndian.AppendUint64(arena, uint64(added[i].Time)^(1<<63))
		arena = append(arena, added[i].ID[:]...)
		if err := b.Put(arena[start:len(arena):len(arena)], empty); err != nil {
			return err
		}
	}
	return nil
}
