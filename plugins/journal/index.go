package journal

import (
	"bytes"
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

// indexEntry is one key to put into one index bucket.
type indexEntry struct {
	bucket int // into indexBuckets
	key    []byte
}

var indexBuckets = [][]byte{bucketByType, bucketByPredicate, bucketByAuthority, bucketByTime}

// insert writes the facts that are not yet stored, with their index
// entries, in tx. facts must be sorted by ID and free of duplicates.
// mightExist answers cheaply, and without false negatives, whether a fact
// might already be stored (the Bloom filter); only those facts are looked
// up. It returns the facts it added.
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
	// Facts in ID order, then each index in its own key order: bbolt
	// splits and rebalances far less when a transaction's puts are sorted.
	for _, f := range added {
		if err := fb.Put(f.ID[:], f.Encoded); err != nil {
			return nil, err
		}
	}
	keys := make([][][]byte, len(indexBuckets))
	for i := range keys {
		keys[i] = make([][]byte, 0, len(added))
	}
	for _, f := range added {
		keys[0] = append(keys[0], append(lp(nil, []byte(f.Type)), f.ID[:]...))
		keys[1] = append(keys[1], append(lp(nil, []byte(f.Predicate)), f.ID[:]...))
		keys[2] = append(keys[2], append(lp(nil, f.Authority.Canonical()), f.ID[:]...))
		keys[3] = append(keys[3], append(timeKey(nil, f.Time), f.ID[:]...))
	}
	empty := []byte{}
	for i, name := range indexBuckets {
		b := tx.Bucket(name)
		ks := keys[i]
		slices.SortFunc(ks, bytes.Compare)
		for _, k := range ks {
			if err := b.Put(k, empty); err != nil {
				return nil, err
			}
		}
	}
	return added, nil
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
