package storage

import (
	"bytes"
	"context"
	"os"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

const keyDoc = "the key: a non-empty string of at most 32768 bytes"

// Handlers are the functions that serve the storage family's operations,
// one for each, named after it. The storage plugin passes its own to
// Operations; sim-storage passes its in-memory ones, so that it serves the
// very same operations.
type Handlers struct {
	Store, Retrieve, Remove, ListKeys, Exists, StoreBatch, RetrieveBatch, Stats, ClearAll func(context.Context, *sdk.Call) (sdk.Value, error)
}

// Operations declares the operations of the storage family, served by h.
func Operations(h Handlers) []sdk.Operation {
	keyParam := sdk.Param{Name: "key", Kind: sdk.KindString, Doc: keyDoc}
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID:  effects.StorageStore,
				Doc: "Stores value under key, replacing any previous value. Returns null once the write is durable.",
				Params: []sdk.Param{keyParam,
					{Name: "value", Kind: sdk.KindBytes, Doc: "the bytes to store (may be empty)"}},
				Result:      sdk.KindNull,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: h.Store,
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.StorageRetrieve,
				Doc:         "Returns the bytes stored under key; a key never stored (or removed) is a not_found error.",
				Params:      []sdk.Param{keyParam},
				Result:      sdk.KindBytes,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: h.Retrieve,
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.StorageRemove,
				Doc:         "Removes key and its value. Returns true if the key was present, false if there was nothing to remove.",
				Params:      []sdk.Param{keyParam},
				Result:      sdk.KindBool,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: h.Remove,
		},
		{
			Spec: sdk.OpSpec{
				ID:  effects.StorageListKeys,
				Doc: "Returns the keys that start with prefix, as a list of strings in byte order.",
				Params: []sdk.Param{{Name: "prefix", Kind: sdk.KindString, Optional: true,
					Doc: "only keys starting with this are listed; default empty (every key)"}},
				Result:      sdk.KindList,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: h.ListKeys,
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.StorageExists,
				Doc:         "Reports whether a value is stored under key.",
				Params:      []sdk.Param{keyParam},
				Result:      sdk.KindBool,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: h.Exists,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.StorageStoreBatch,
				Doc: "Stores every entry of a map of key to bytes in one transaction: all of them are durable " +
					"on return, or none is stored. Returns null.",
				Params: []sdk.Param{{Name: "entries", Kind: sdk.KindMap,
					Doc: "map of key (non-empty, at most 32768 bytes) to the bytes to store under it"}},
				Result:      sdk.KindNull,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: h.StoreBatch,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.StorageRetrieveBatch,
				Doc: "Reads several keys in one consistent snapshot. Returns a map of key to bytes holding " +
					"the keys that are present; absent keys are left out.",
				Params: []sdk.Param{{Name: "keys", Kind: sdk.KindList,
					Doc: "list of keys (strings) to read"}},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: h.RetrieveBatch,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.StorageStats,
				Doc: "Describes the store: a map {keys: int (number of keys), bytes: int (total bytes of keys " +
					"and values), file_bytes: int (size of the database file), path: string (the database file)}.",
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: h.Stats,
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.StorageClearAll,
				Doc:         "Removes every key in one durable transaction. Returns the number of keys removed (int).",
				Result:      sdk.KindInt,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: h.ClearAll,
		},
	}
}

func (s *store) operations() []sdk.Operation {
	return Operations(Handlers{
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
	key, err := KeyArg(c)
	if err != nil {
		return sdk.Value{}, err
	}
	value, _ := c.Arg("value").AsBytes()
	return sdk.Null(), s.update(ctx, func(b *bbolt.Bucket) error { return b.Put([]byte(key), value) })
}

func (s *store) retrieve(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	key, err := KeyArg(c)
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
	key, err := KeyArg(c)
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
	key, err := KeyArg(c)
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
	entries, err := EntriesArg(c)
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
	keys, err := KeysArg(c)
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
