package storage

import (
	"bytes"
	"context"
	"os"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/aurahost/aura-host/plugins/internal/storageops"
	"github.com/aurahost/aura-host/sdk"
)

// operations are the storage family's, as plugins/internal/storageops
// declares them, served from the bbolt database by the handlers below.
func (s *store) operations() []sdk.Operation {
	return storageops.Operations(storageops.Handlers{
		Store: s.store, Retrieve: s.retrieve, Remove: s.remove, ListKeys: s.listKeys, Exists: s.exists,
		StoreBatch: s.storeBatch, RetrieveBatch: s.retrieveBatch, Stats: s.stats, ClearAll: s.clearAll,
	})
}

// lookup finds key in b. Unlike Bucket.Get it tells an empty value from an
// absent key.
func lookup(b *bbolt.Bucket, key []byte) (value []byte, ok bool) {
	k, v := b.Cursor().Seek(key)
	if k == nil || !bytes.Equal(k, key) {
		return nil, false
	}
	return v, true
}

func (s *store) store(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	key, err := storageops.KeyArg(c)
	if err != nil {
		return sdk.Value{}, err
	}
	value, _ := c.Arg("value").AsBytes()
	return sdk.Null(), s.update(ctx, func(b *bbolt.Bucket) error { return b.Put([]byte(key), value) })
}

func (s *store) retrieve(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	key, err := storageops.KeyArg(c)
	if err != nil {
		return sdk.Value{}, err
	}
	var out sdk.Value
	err = s.view(ctx, func(b *bbolt.Bucket) error {
		v, ok := lookup(b, []byte(key))
		if !ok {
			return sdk.Errorf(sdk.CodeNotFound, "no value stored under key %q", key)
		}
		out = sdk.Bytes(v) // copies: v is only valid inside the transaction
		return nil
	})
	return out, err
}

func (s *store) remove(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	key, err := storageops.KeyArg(c)
	if err != nil {
		return sdk.Value{}, err
	}
	var existed bool
	err = s.update(ctx, func(b *bbolt.Bucket) error {
		if _, existed = lookup(b, []byte(key)); !existed {
			return nil
		}
		return b.Delete([]byte(key))
	})
	return sdk.Bool(existed), err
}

func (s *store) listKeys(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	prefix, _ := c.Arg("prefix").AsString()
	keys := []sdk.Value{}
	err := s.view(ctx, func(b *bbolt.Bucket) error {
		cur := b.Cursor()
		for k, _ := cur.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, _ = cur.Next() {
			keys = append(keys, sdk.String(string(k)))
		}
		return nil
	})
	return sdk.List(keys...), err
}

func (s *store) exists(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	key, err := storageops.KeyArg(c)
	if err != nil {
		return sdk.Value{}, err
	}
	var ok bool
	err = s.view(ctx, func(b *bbolt.Bucket) error {
		_, ok = lookup(b, []byte(key))
		return nil
	})
	return sdk.Bool(ok), err
}

func (s *store) storeBatch(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	entries, err := storageops.EntriesArg(c)
	if err != nil {
		return sdk.Value{}, err
	}
	return sdk.Null(), s.update(ctx, func(b *bbolt.Bucket) error {
		for _, f := range entries {
			v, _ := f.Value.AsBytes()
			if err := b.Put([]byte(f.Key), v); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *store) retrieveBatch(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	keys, err := storageops.KeysArg(c)
	if err != nil {
		return sdk.Value{}, err
	}
	found := map[string]sdk.Value{}
	err = s.view(ctx, func(b *bbolt.Bucket) error {
		for _, k := range keys {
			if v, ok := lookup(b, []byte(k)); ok {
				found[k] = sdk.Bytes(v)
			}
		}
		return nil
	})
	return sdk.Map(found), err
}

func (s *store) stats(ctx context.Context, _ *sdk.Call) (sdk.Value, error) {
	var keys, size int64
	err := s.view(ctx, func(b *bbolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			keys++
			size += int64(len(k) + len(v))
			return nil
		})
	})
	if err != nil {
		return sdk.Value{}, err
	}
	s.mu.RLock()
	path := s.path
	s.mu.RUnlock()
	var fileBytes int64
	if fi, err := os.Stat(path); err == nil {
		fileBytes = fi.Size()
	}
	return sdk.Map(map[string]sdk.Value{
		"keys": sdk.Int(keys), "bytes": sdk.Int(size), "file_bytes": sdk.Int(fileBytes), "path": sdk.String(path),
	}), nil
}

func (s *store) clearAll(ctx context.Context, _ *sdk.Call) (sdk.Value, error) {
	var removed int64
	err := s.update(ctx, func(b *bbolt.Bucket) error {
		removed = int64(b.Stats().KeyN)
		tx := b.Tx()
		if err := tx.DeleteBucket(bucket); err != nil {
			return err
		}
		_, err := tx.CreateBucket(bucket)
		return err
	})
	return sdk.Int(removed), err
}
