package storage

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/aurahost/aura-host/plugins/internal/boltfile"
	"github.com/aurahost/aura-host/plugins/internal/storageops"
	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, and the family of its operations.
const Name = "storage"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// MaxKeySize is the longest key accepted, in bytes: bbolt's limit.
const MaxKeySize = storageops.MaxKeySize

// DefaultPath is the database file used when the config sets no path,
// relative to the plugin's state directory.
const DefaultPath = "storage.db"

// lockTimeout bounds how long Configure waits for another process to
// release the database's file lock.
const lockTimeout = 2 * time.Second

// bucket holds every key; a versioned name leaves room for a later layout.
var bucket = []byte("aura.storage.v1")

// New returns the storage plugin, ready to Serve.
func New() *sdk.Plugin { return newStore(lockTimeout).plugin() }

// store is one plugin instance: the open database and where it lives.
type store struct {
	lockTimeout time.Duration

	mu   sync.RWMutex
	db   *bbolt.DB // nil until configured
	path string
}

func newStore(lockTimeout time.Duration) *store { return &store{lockTimeout: lockTimeout} }

func (s *store) plugin() *sdk.Plugin {
	return &sdk.Plugin{
		Name:       Name,
		Version:    Version,
		Config:     []sdk.ConfigField{boltfile.PathField(DefaultPath)},
		Configure:  s.configure,
		Operations: s.operations(),
		Close:      s.close,
	}
}

func (s *store) configure(_ context.Context, c *sdk.Configuration) error {
	path, err := boltfile.ResolvePath(c, "storage", DefaultPath)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db != nil && s.path == path {
		return nil // configured again with the same file: keep it open
	}
	db, err := s.open(path)
	if err != nil {
		return err
	}
	if s.db != nil {
		s.db.Close()
	}
	s.db, s.path = db, path
	return nil
}

// open opens (creating if need be) the database and its bucket, waiting at
// most lockTimeout for another process's lock.
func (s *store) open(path string) (*bbolt.DB, error) {
	return boltfile.Open(path, "storage", &bbolt.Options{Timeout: s.lockTimeout}, func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	})
}

// close closes the database, if open: the plugin's Close, which the host
// calls when it stops the plugin in process (a plugin process's exit
// releases the file).
func (s *store) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	return err
}

// view and update run fn on the bucket in a read or a read-write
// transaction. update returns once the transaction is committed and synced.
func (s *store) view(ctx context.Context, fn func(b *bbolt.Bucket) error) error {
	return s.tx(ctx, false, fn)
}

func (s *store) update(ctx context.Context, fn func(b *bbolt.Bucket) error) error {
	return s.tx(ctx, true, fn)
}

func (s *store) tx(ctx context.Context, writable bool, fn func(b *bbolt.Bucket) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return sdk.Errorf(sdk.CodeUnavailable, "storage database is not open")
	}
	run := s.db.View
	if writable {
		run = s.db.Update
	}
	err := run(func(tx *bbolt.Tx) error { return fn(tx.Bucket(bucket)) })
	var e *sdk.Error
	switch {
	case err == nil, errors.As(err, &e):
		return err
	case errors.Is(err, bolterrors.ErrValueTooLarge):
		return sdk.Errorf(sdk.CodeInvalidArgs, "value too large: bbolt stores at most %d bytes", bbolt.MaxValueSize)
	}
	return sdk.Errorf(sdk.CodeInternal, "storage database %s: %v", s.path, err)
}
