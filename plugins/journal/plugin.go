package journal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/bits-and-blooms/bloom/v3"
	"go.etcd.io/bbolt"

	"github.com/aurahost/aura-host/plugins/internal/boltfile"
	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, and the family of its operations.
const Name = "journal"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// DefaultPath is the database file used when the config sets no path,
// relative to the plugin's state directory.
const DefaultPath = "journal.db"

// BloomFalsePositiveRate is the target false-positive rate of might_contain.
const BloomFalsePositiveRate = 0.01

// minBloomCapacity is the smallest number of facts the Bloom filter is
// sized for; it is resized to twice the journal whenever the journal
// outgrows it, which keeps the rate at or below the target.
const minBloomCapacity = 4096

// initialMmapSize is the address space bbolt maps up front. Growing the
// map remaps the file and copies every node a transaction holds, which
// made a 10k-fact batch into a fresh journal several times slower; 1 GiB of
// address space (not memory) covers the 100k-fact journals this is
// designed for without a remap.
const initialMmapSize = 1 << 30

// lockTimeout bounds how long Configure waits for another process to
// release the database's file lock.
const lockTimeout = 2 * time.Second

// New returns the journal plugin with the default fact-type registry,
// ready to Serve.
func New() *sdk.Plugin { return newJournal(lockTimeout, DefaultRegistry()).plugin() }

// NewWithRegistry returns the journal plugin whose view operation uses the
// reducers of reg, for programs that register their own fact types.
// Nothing in this module calls it (deadcode lists it): it is API for such
// programs, and TestCustomReducer covers the registry through newJournal,
// which it wraps.
func NewWithRegistry(reg *Registry) *sdk.Plugin { return newJournal(lockTimeout, reg).plugin() }

// journal is one plugin instance.
//
// Two locks order its work. writeMu serializes the writers (merges, flow
// budget changes, configure, close) from before their transaction until
// they have published what it changed. mu guards the fields below it:
// readers hold it shared for the whole of a call, their bbolt read
// transaction included, so the facts and the indexes they see agree; a
// writer holds it exclusively only to publish a committed transaction —
// the index merge, the Bloom filter, the tries' new nodes — and never
// during the transaction or its fsync, so readers keep reading the last
// committed state while a write is on disk. The fields are changed only
// with both locks held, so a writer holding writeMu may read them without
// mu — but for tree, a cache that merkle fills holding mu alone. writeMu
// is always taken before mu. The tries are hashed by the writer before it
// takes mu (plan only reads them, as readers do) and copied in under mu.
type journal struct {
	lockTimeout time.Duration
	registry    *Registry
	// beforeCommit, set by tests, runs inside merge's write transaction
	// after its puts; an error from it aborts the transaction.
	beforeCommit func() error

	writeMu sync.Mutex

	mu         sync.RWMutex
	db         *bbolt.DB // nil until configured
	path       string
	index      *indexes           // the facts of db, in memory
	bloom      *bloom.BloomFilter // every stored ID
	room       uint64             // the number of IDs bloom is sized for
	allTrie    *trie              // every stored fact, by index handle: merkle_root, inclusion proofs
	signedTrie *trie              // the signed facts: sync_root, sync_digest, sync_missing
	tree       *tree              // the RFC 6962 tree, built on demand; nil when a write invalidated it
	gen        uint64             // counts publications, so a tree built without mu knows whether it is current
}

func newJournal(lockTimeout time.Duration, reg *Registry) *journal {
	return &journal{lockTimeout: lockTimeout, registry: reg}
}

func (j *journal) plugin() *sdk.Plugin {
	return &sdk.Plugin{
		Name:       Name,
		Version:    Version,
		Config:     []sdk.ConfigField{boltfile.PathField(DefaultPath)},
		Configure:  j.configure,
		Operations: j.operations(),
		Close:      j.close,
	}
}

func (j *journal) configure(_ context.Context, c *sdk.Configuration) error {
	path, err := boltfile.ResolvePath(c, "journal", DefaultPath)
	if err != nil {
		return err
	}
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	if j.db != nil && j.path == path {
		return nil // configured again with the same file: keep it open
	}
	db, err := j.open(path, c.Mode == sdk.Simulation)
	if err != nil {
		return err
	}
	var index *indexes
	var signed []uint32
	if err := db.View(func(tx *bbolt.Tx) error {
		index, signed, err = loadState(tx)
		return err
	}); err != nil {
		db.Close()
		return &sdk.ConfigError{Path: []string{"path"}, Summary: "cannot read the journal database", Detail: fmt.Sprintf("%s: %v", path, err)}
	}
	filter, room := bloomOf(index, nil)
	all, signedTrie := triesOf(index, signed)
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.db != nil {
		j.db.Close()
	}
	j.db, j.path, j.index, j.bloom, j.room, j.tree = db, path, index, filter, room, nil
	j.allTrie, j.signedTrie = all, signedTrie
	j.gen++
	return nil
}

// open opens (creating if need be) the database, brings it to this
// build's layout, and waits at most lockTimeout for another process's lock.
//
// In simulation (simulated) the database is not synced to disk after each
// commit: a simulated crash stops an agent inside this process, which
// loses nothing the kernel already holds, so the sync guards against no
// fault a simulation can produce — while it was most of a seed's wall time
// (BENCHMARKS.md, seeds per second). Commits are still written to the
// file before they return, so a restarted agent reads every fact
// acknowledged before its crash.
func (j *journal) open(path string, simulated bool) (*bbolt.DB, error) {
	return boltfile.Open(path, "journal", &bbolt.Options{Timeout: j.lockTimeout, InitialMmapSize: initialMmapSize,
		FreelistType: bbolt.FreelistMapType, NoSync: simulated}, migrate)
}

// bloomOf returns a filter of the facts of x and more, sized for twice
// their number (at least minBloomCapacity), and that size.
func bloomOf(x *indexes, more []ID) (*bloom.BloomFilter, uint64) {
	room := max(2*uint64(x.count()+len(more)), minBloomCapacity)
	f := bloom.NewWithEstimates(uint(room), BloomFalsePositiveRate)
	for _, list := range [][]ID{x.ids, more} {
		for _, id := range list {
			f.Add(id[:])
		}
	}
	return f, room
}

// triesOf builds the tries of the facts of x, and of those of them whose
// handles are signed (sorted by ID).
func triesOf(x *indexes, signed []uint32) (all, signedOnly *trie) {
	handles := make([]uint32, x.count())
	for i := range handles {
		handles[i] = uint32(i)
	}
	// loadState indexes the facts in the bucket's order, which is ID order;
	// sort if that ever stops being so, rather than build a wrong trie.
	byID := func(a, b uint32) int { return compareID(x.ids[a], x.ids[b]) }
	if !slices.IsSortedFunc(handles, byID) {
		slices.SortFunc(handles, byID)
	}
	if !slices.IsSortedFunc(signed, byID) {
		slices.SortFunc(signed, byID)
	}
	return buildTrie(handles, x.ids), buildTrie(signed, x.ids)
}

// close closes the database, if open: the plugin's Close, which the host
// calls when it stops the plugin in process (a plugin process's exit
// releases the file).
func (j *journal) close() error {
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.db == nil {
		return nil
	}
	err := j.db.Close()
	j.db, j.index, j.bloom, j.tree, j.allTrie, j.signedTrie = nil, nil, nil, nil, nil, nil
	j.gen++
	return err
}

// viewTx runs fn in a read transaction, with mu held shared: fn may use
// j.index.
func (j *journal) viewTx(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j.mu.RLock()
	defer j.mu.RUnlock()
	if j.db == nil {
		return sdk.Errorf(sdk.CodeUnavailable, "journal database is not open")
	}
	return j.typed(j.db.View(fn))
}

// update runs fn in a read-write transaction, and returns once the
// transaction is committed and synced. fn must change nothing the
// in-memory state derives from the facts: merge does that.
func (j *journal) update(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	return j.updateLocked(fn)
}

// updateLocked is update for a caller that holds writeMu.
func (j *journal) updateLocked(fn func(tx *bbolt.Tx) error) error {
	if j.db == nil {
		return sdk.Errorf(sdk.CodeUnavailable, "journal database is not open")
	}
	return j.typed(j.db.Update(fn))
}

// typed passes typed errors through and makes the rest internal.
func (j *journal) typed(err error) error {
	var e *sdk.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return sdk.Errorf(sdk.CodeInternal, "journal database %s: %v", j.path, err)
}

// Merge adds the facts that are not yet in the journal, all in one
// committed transaction, and returns the IDs of those it added, sorted.
// facts may hold duplicates and come in any order. The indexes, the Bloom
// filter and the tries change only after the commit succeeded.
func (j *journal) merge(ctx context.Context, facts []Fact) ([]ID, error) {
	// Sort pointers, not the facts: a Fact is a large struct of pointers,
	// and copying 10k of them cost about as much as the index update.
	sorted := make([]*Fact, len(facts))
	for i := range facts {
		sorted[i] = &facts[i]
	}
	slices.SortFunc(sorted, func(a, b *Fact) int { return compareID(a.ID, b.ID) })
	sorted = slices.CompactFunc(sorted, func(a, b *Fact) bool { return a.ID == b.ID })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// writeMu covers the publication too: the next writer's Bloom checks
	// and index merge must see this one's.
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	var added []*Fact
	err := j.updateLocked(func(tx *bbolt.Tx) error {
		var err error
		if added, err = insert(tx, sorted, func(id ID) bool { return j.bloom.Test(id[:]) }); err != nil {
			return err
		}
		if j.beforeCommit != nil && len(added) > 0 {
			return j.beforeCommit()
		}
		return nil
	})
	if err != nil || len(added) == 0 {
		return nil, err
	}
	return j.publish(batchOf(j.index.count(), added)), nil
}

// parallelPlanMin is the signed facts of a batch from which publish plans
// its two tries on two goroutines: below it, a goroutine is not worth it.
const parallelPlanMin = 256

// publish applies a committed batch to the in-memory state and returns its
// IDs. Called with writeMu held, and j.db open: the commit held writeMu
// too, so nothing closed it since.
func (j *journal) publish(b *indexBatch) []ID {
	ids := slices.Clone(b.ids) // apply makes b's lists the index's own
	var resized *bloom.BloomFilter
	var room uint64
	if uint64(j.index.count()+len(ids)) > j.room {
		// Past its capacity a filter's false-positive rate climbs over the
		// target: build one for twice the journal, before taking mu.
		resized, room = bloomOf(j.index, ids)
	}
	// Hash the tries' new paths now, reading them as readers do; only the
	// copy-in waits for mu.
	table := idTable{base: j.index.ids, more: b.ids}
	handles := make([]uint32, len(b.ids))
	for i := range handles {
		handles[i] = b.base + uint32(i)
	}
	// The two tries are planned at once: each only reads its own trie and
	// the IDs, and a batch of signed facts hashes both paths of each.
	var all, signedOnly *trieUpdate
	if len(b.signed) >= parallelPlanMin {
		var wg sync.WaitGroup
		wg.Go(func() { signedOnly = j.signedTrie.plan(b.signed, table) })
		all = j.allTrie.plan(handles, table)
		wg.Wait()
	} else {
		all, signedOnly = j.allTrie.plan(handles, table), j.signedTrie.plan(b.signed, table)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.index.apply(b)
	j.allTrie.commit(all)
	j.signedTrie.commit(signedOnly)
	if resized != nil {
		j.bloom, j.room = resized, room
	} else {
		for _, id := range ids {
			j.bloom.Add(id[:])
		}
	}
	j.tree = nil
	j.gen++
	return ids
}

// insert writes the facts that are not yet stored in tx, and returns them.
// facts must be sorted by ID and free of duplicates. mightExist answers
// cheaply, and without false negatives, whether a fact might already be
// stored (the Bloom filter); only those facts are looked up. Puts in key
// order append to bbolt's in-memory nodes instead of copying their tails.
func insert(tx *bbolt.Tx, facts []*Fact, mightExist func(ID) bool) ([]*Fact, error) {
	fb := tx.Bucket(bucketFacts)
	added := make([]*Fact, 0, len(facts))
	for _, f := range facts {
		if mightExist(f.ID) && fb.Get(f.ID[:]) != nil {
			continue
		}
		added = append(added, f)
	}
	for _, f := range added {
		if err := fb.Put(f.ID[:], f.Encoded); err != nil {
			return nil, err
		}
	}
	return added, nil
}

// readState runs fn with mu held shared and the journal open: fn may read
// the indexes and the tries.
func (j *journal) readState(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j.mu.RLock()
	defer j.mu.RUnlock()
	if j.db == nil {
		return sdk.Errorf(sdk.CodeUnavailable, "journal database is not open")
	}
	return fn()
}

// merkle returns the RFC 6962 Merkle tree of the current facts, building
// it if a write invalidated it. Its leaves are the index's IDs, sorted, and it is
// built without holding mu exclusively, so readers go on meanwhile; a
// tree that a write overtook while it was built is returned to this
// caller (it is the tree of the state the call began in) but not cached.
func (j *journal) merkle(ctx context.Context) (*tree, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	j.mu.RLock()
	if j.db == nil {
		j.mu.RUnlock()
		return nil, sdk.Errorf(sdk.CodeUnavailable, "journal database is not open")
	}
	t, gen := j.tree, j.gen
	var ids []ID
	if t == nil {
		ids = sortIDs(j.index.ids)
	}
	j.mu.RUnlock()
	if t != nil {
		return t, nil
	}
	t = buildTree(ids)
	j.mu.Lock()
	if j.gen == gen {
		j.tree = t
	}
	j.mu.Unlock()
	return t, nil
}
