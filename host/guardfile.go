package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/aurahost/aura-host/host/guard"
)

// GuardFileName is the file, in an agent's state directory, that holds its
// guard state in production.
const GuardFileName = "guard.db"

// guardBucket holds every guard key (guard.Store's key layout).
var guardBucket = []byte("guard")

// guardFileLockTimeout bounds the wait for another process's lock on a
// guard file: two hosts acting for one authority would spend one budget
// twice, so the second is refused rather than kept waiting.
const guardFileLockTimeout = time.Second

// GuardFile is an agent's guard state in production — flow budgets,
// receipt chains, nonces — in a bbolt file that only the host opens (0600,
// in a 0700 directory). It is not a plugin and no operation names it, so
// no effect an agent can call, storage.* included, reaches it. Every Put is
// one durable transaction: a nonce, once used, survives a crash and is
// never issued again.
type GuardFile struct {
	db   *bbolt.DB
	path string
}

var _ guard.Store = (*GuardFile)(nil)

// OpenGuardFile opens (creating if need be) the guard file at path. A
// file another process holds is refused after a second.
func OpenGuardFile(path string) (*GuardFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("guard state: %w", err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: guardFileLockTimeout})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("guard state %s is locked by another process: is this agent already running? Stop the other host first", path)
	case err != nil:
		return nil, fmt.Errorf("guard state %s: %w", path, err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(guardBucket)
		return err
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("guard state %s: %w", path, err)
	}
	return &GuardFile{db: db, path: path}, nil
}

// Path is the file's path.
func (f *GuardFile) Path() string { return f.path }

// Get returns a copy of the value stored under key.
func (f *GuardFile) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	var out []byte
	err := f.db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(guardBucket).Get([]byte(key)); v != nil {
			out = append([]byte{}, v...)
		}
		return nil
	})
	return out, out != nil, err
}

// Put stores value under key, durably.
func (f *GuardFile) Put(ctx context.Context, key string, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return f.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(guardBucket).Put([]byte(key), append([]byte{}, value...))
	})
}

// Close closes the file. It is idempotent.
func (f *GuardFile) Close() error { return f.db.Close() }
