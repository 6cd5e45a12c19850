package journal

import (
	"encoding/binary"
	"fmt"

	"go.etcd.io/bbolt"
)

// The database holds the facts and the flow budgets, nothing derived: the
// indexes live in memory and are rebuilt from the facts on open (see
// index.go). The "v1" in the bucket names is the encoding of their keys and
// values, which layout 2 kept.
var (
	// bucketFacts maps a fact ID to the fact's canonical encoding.
	bucketFacts = []byte("aura.journal.v1.facts")
	// bucketBudgets maps lp(context) ‖ peer to an encoded FlowBudget.
	bucketBudgets = []byte("aura.journal.v1.flow_budgets")
	// bucketMeta holds keyLayout.
	bucketMeta = []byte("aura.journal.meta")
)

var allBuckets = [][]byte{bucketFacts, bucketBudgets, bucketMeta}

// keyLayout, in bucketMeta, is the file's layout as a big-endian uint64.
// A file without it was written by layout 1.
var keyLayout = []byte("layout")

// layout is the file layout this build writes.
//
//   - 1 (no marker): facts, flow budgets, and four index buckets written in
//     the facts' transaction.
//   - 2: facts and flow budgets only; the index buckets are dropped.
const layout = 2

// legacyIndexBuckets are layout 1's index buckets (lp(value) ‖ id or
// time ‖ id keys, empty values), dropped when a file is migrated.
var legacyIndexBuckets = [][]byte{
	[]byte("aura.journal.v1.by_type"),
	[]byte("aura.journal.v1.by_predicate"),
	[]byte("aura.journal.v1.by_authority"),
	[]byte("aura.journal.v1.by_time"),
}

// migrate creates the buckets of a new file, brings an older layout to
// this one, and refuses a newer one, in tx. Migrating from layout 1 only
// drops its index buckets: the facts are kept as they are.
func migrate(tx *bbolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	meta := tx.Bucket(bucketMeta)
	if raw := meta.Get(keyLayout); raw != nil {
		if len(raw) != 8 {
			return fmt.Errorf("the layout marker is %d bytes, want 8", len(raw))
		}
		switch v := binary.BigEndian.Uint64(raw); {
		case v == layout:
			return nil
		case v > layout:
			return fmt.Errorf("the file has journal layout %d, newer than the %d this build reads", v, layout)
		}
	}
	for _, name := range legacyIndexBuckets {
		if tx.Bucket(name) == nil {
			continue
		}
		if err := tx.DeleteBucket(name); err != nil {
			return fmt.Errorf("dropping the layout 1 index %s: %w", name, err)
		}
	}
	return meta.Put(keyLayout, binary.BigEndian.AppendUint64(nil, layout))
}

// lp appends b with a uvarint length prefix, so that no key built from it
// is a prefix of another with a different b.
func lp(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}
