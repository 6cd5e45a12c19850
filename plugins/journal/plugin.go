package journal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/bits-and-blooms/bloom/v3"
	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

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
func NewWithRegistry(reg *Registry) *sdk.Plugin { return newJournal(lockTimeout, reg).plugin() }

// journal is one plugin instance. mu guards everything below it: reads of
// the database hold it shared; writes hold it exclusively, so that the
// Bloom filter and the cached Merkle tree change with the transaction that
// changes the facts.
type journal struct {
	lockTimeout time.Duration
	registry    *Registry

	mu    sync.RWMutex
	db    *bbolt.DB // nil until configured
	path  string
	count uint64             // facts stored
	bloom *bloom.BloomFilter // every stored ID
	room  uint64             // the number of IDs bloom is sized for
	tree  *tree              // nil when a write invalidated it
}

func newJournal(lockTimeout time.Duration, reg *Registry) *journal {
	return &journal{lockTimeout: lockTimeout, registry: reg}
}

func (j *journal) plugin() *sdk.Plugin {
	return &sdk.Plugin{
		Name:    Name,
		Version: Version,
		Config: []sdk.ConfigField{{
			Name:    "path",
			Kind:    sdk.KindString,
			Default: sdk.String(DefaultPath),
			Doc: "The bbolt database file. A relative path is relative to the plugin's state directory " +
				"(which the host derives from the deployment's state_dir); missing directories are created. " +
				"Default " + DefaultPath + ".",
		}},
		Configure:  j.configure,
		Operations: j.operations(),
	}
}

func (j *journal) configure(_ context.Context, c *sdk.Configuration) error {
	path, err := resolvePath(c)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.db != nil && j.path == path {
		return nil // configured again with the same file: keep it open
	}
	db, err := j.open(path)
	if err != nil {
		return err
	}
	if j.db != nil {
		j.db.Close()
	}
	j.db, j.path, j.tree = db, path, nil
	if err := j.rebuildBloom(); err != nil {
		j.db.Close()
		j.db = nil
		return &sdk.ConfigError{Path: []string{"path"}, Summary: "cannot read the journal database", Detail: fmt.Sprintf("%s: %v", path, err)}
	}
	return nil
}

// resolvePath reads the path attribute and makes it absolute.
func resolvePath(c *sdk.Configuration) (string, error) {
	path := DefaultPath
	if v, ok := c.Values.Get("path"); ok && !v.IsNull() {
		path, _ = v.AsString()
	}
	if path == "" {
		return "", &sdk.ConfigError{Path: []string{"path"}, Summary: "empty journal path",
			Detail: "path names the database file; leave it out to use " + DefaultPath + " in the plugin's state directory."}
	}
	if !filepath.IsAbs(path) {
		if c.StateDir == "" {
			return "", &sdk.ConfigError{Path: []string{"path"}, Summary: "relative journal path without a state directory",
				Detail: fmt.Sprintf("path %q is relative, but the host gave this plugin no state directory to resolve it against; use an absolute path.", path)}
		}
		path = filepath.Join(c.StateDir, path)
	}
	return filepath.Clean(path), nil
}

// open opens (creating if need be) the database and its buckets, waiting
// at most lockTimeout for another process's lock.
func (j *journal) open(path string) (*bbolt.DB, error) {
	fail := func(summary, detail string, args ...any) error {
		return &sdk.ConfigError{Path: []string{"path"}, Summary: summary, Detail: fmt.Sprintf(detail, args...)}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fail("cannot create the journal directory", "creating the directory of %s: %v", path, err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: j.lockTimeout, InitialMmapSize: initialMmapSize, FreelistType: bbolt.FreelistMapType})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fail("journal database is locked",
			"%s is locked by another process (is another deployment or journal plugin using the same file?); gave up after %v. Stop the other process or choose another path.",
			path, j.lockTimeout)
	case err != nil:
		return nil, fail("cannot open the journal database", "opening %s: %v", path, err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		db.Close()
		return nil, fail("cannot initialise the journal database", "%s: %v", path, err)
	}
	return db, nil
}

// rebuildBloom sizes a new filter for twice the journal (at least
// minBloomCapacity) and fills it from the database. Called with mu held
// exclusively.
func (j *journal) rebuildBloom() error {
	return j.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketFacts)
		n := uint64(b.Stats().KeyN)
		room := max(2*n, minBloomCapacity)
		f := bloom.NewWithEstimates(uint(room), BloomFalsePositiveRate)
		err := b.ForEach(func(k, _ []byte) error {
			f.Add(k)
			return nil
		})
		j.count, j.bloom, j.room = n, f, room
		return err
	})
}

// close closes the database, if open. The served plugin never calls it
// (process exit releases the file); tests and embedders do.
func (j *journal) close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.db == nil {
		return nil
	}
	err := j.db.Close()
	j.db = nil
	return err
}

// viewTx runs fn in a read transaction.
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

// update runs fn in a read-write transaction with mu held exclusively, and
// returns once the transaction is committed and synced.
func (j *journal) update(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.updateLocked(fn)
}

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
// facts may hold duplicates and come in any order.
func (j *journal) merge(ctx context.Context, facts []Fact) ([]ID, error) {
	facts = slices.Clone(facts)
	slices.SortFunc(facts, func(a, b Fact) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	facts = slices.CompactFunc(facts, func(a, b Fact) bool { return a.ID == b.ID })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	var added []Fact
	err := j.updateLocked(func(tx *bbolt.Tx) error {
		var err error
		added, err = insert(tx, facts, func(id ID) bool { return j.bloom.Test(id[:]) })
		return err
	})
	if err != nil || len(added) == 0 {
		return nil, err
	}
	ids := make([]ID, len(added))
	for i, f := range added {
		ids[i] = f.ID
	}
	j.tree = nil
	if j.count += uint64(len(added)); j.count > j.room {
		// Past its capacity a filter's false-positive rate climbs over
		// the target: resize it for twice the journal.
		if err := j.rebuildBloom(); err != nil {
			return nil, j.typed(err)
		}
	} else {
		for _, id := range ids {
			j.bloom.Add(id[:])
		}
	}
	return ids, nil
}

// merkle returns the current Merkle tree, building it if a write
// invalidated it.
func (j *journal) merkle(ctx context.Context) (*tree, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.db == nil {
		return nil, sdk.Errorf(sdk.CodeUnavailable, "journal database is not open")
	}
	if j.tree != nil {
		return j.tree, nil
	}
	var ids []ID
	err := j.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketFacts)
		ids = make([]ID, 0, b.Stats().KeyN)
		return b.ForEach(func(k, _ []byte) error {
			ids = append(ids, ID(k))
			return nil
		})
	})
	if err != nil {
		return nil, j.typed(err)
	}
	j.tree = buildTree(ids)
	return j.tree, nil
}
