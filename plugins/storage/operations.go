package storage

import (
	"bytes"
	"context"
	"os"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/aurahost/aura-host/sdk"
)

const keyDoc = "the key: a non-empty string of at most 32768 bytes"

func (s *store) operations() []sdk.Operation {
	keyParam := sdk.Param{Name: "key", Kind: sdk.KindString, Doc: keyDoc}
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID:  "storage.store",
				Doc: "Stores value under key, replacing any previous value. Returns null once the write is durable.",
				Params: []sdk.Param{keyParam,
					{Name: "value", Kind: sdk.KindBytes, Doc: "the bytes to store (may be empty)"}},
				Result:      sdk.KindNull,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: s.store,
		},
		{
			Spec: sdk.OpSpec{
				ID:          "storage.retrieve",
				Doc:         "Returns the bytes stored under key; a key never stored (or removed) is a not_found error.",
				Params:      []sdk.Param{keyParam},
				Result:      sdk.KindBytes,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.retrieve,
		},
		{
			Spec: sdk.OpSpec{
				ID:          "storage.remove",
				Doc:         "Removes key and its value. Returns true if the key was present, false if there was nothing to remove.",
				Params:      []sdk.Param{keyParam},
				Result:      sdk.KindBool,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: s.remove,
		},
		{
			Spec: sdk.OpSpec{
				ID:  "storage.list_keys",
				Doc: "Returns the keys that start with prefix, as a list of strings in byte order.",
				Params: []sdk.Param{{Name: "prefix", Kind: sdk.KindString, Optional: true,
					Doc: "only keys starting with this are listed; default empty (every key)"}},
				Result:      sdk.KindList,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.listKeys,
		},
		{
			Spec: sdk.OpSpec{
				ID:          "storage.exists",
				Doc:         "Reports whether a value is stored under key.",
				Params:      []sdk.Param{keyParam},
				Result:      sdk.KindBool,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.exists,
		},
		{
			Spec: sdk.OpSpec{
				ID: "storage.store_batch",
				Doc: "Stores every entry of a map of key to bytes in one transaction: all of them are durable " +
					"on return, or none is stored. Returns null.",
				Params: []sdk.Param{{Name: "entries", Kind: sdk.KindMap,
					Doc: "map of key (non-empty, at most 32768 bytes) to the bytes to store under it"}},
				Result:      sdk.KindNull,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: s.storeBatch,
		},
		{
			Spec: sdk.OpSpec{
				ID: "storage.retrieve_batch",
				Doc: "Reads several keys in one consistent snapshot. Returns a map of key to bytes holding " +
					"the keys that are present; absent keys are left out.",
				Params: []sdk.Param{{Name: "keys", Kind: sdk.KindList,
					Doc: "list of keys (strings) to read"}},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.retrieveBatch,
		},
		{
			Spec: sdk.OpSpec{
				ID: "storage.stats",
				Doc: "Describes the store: a map {keys: int (number of keys), bytes: int (total bytes of keys " +
					"and values), file_bytes: int (size of the database file), path: string (the database file)}.",
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.stats,
		},
		{
			Spec: sdk.OpSpec{
				ID:          "storage.clear_all",
				Doc:         "Removes every key in one durable transaction. Returns the number of keys removed (int).",
				Result:      sdk.KindInt,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: s.clearAll,
		},
	}
}

// checkKey validates a key; where names it in the error ("key", "entries").
func checkKey(key, where string) error {
	switch {
	case key == "":
		return sdk.Errorf(sdk.CodeInvalidArgs, "%s: keys must not be empty", where)
	case len(key) > bbolt.MaxKeySize:
		return sdk.Errorf(sdk.CodeInvalidArgs, "%s: key is %d bytes, more than the %d allowed", where, len(key), bbolt.MaxKeySize)
	}
	return nil
}

func keyArg(c *sdk.Call) ([]byte, error) {
	k, _ := c.Arg("key").AsString()
	if err := checkKey(k, "key"); err != nil {
		return nil, err
	}
	return []byte(k), nil
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
	key, err := keyArg(c)
	if err != nil {
		return sdk.Value{}, err
	}
	value, _ := c.Arg("value").AsBytes()
	return sdk.Null(), s.update(ctx, func(b *bbolt.Bucket) error { return b.Put(key, value) })
}

func (s *store) retrieve(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	key, err := keyArg(c)
	if err != nil {
		return sdk.Value{}, err
	}
	var out sdk.Value
	err = s.view(ctx, func(b *bbolt.Bucket) error {
		v, ok := lookup(b, key)
		if !ok {
			return sdk.Errorf(sdk.CodeNotFound, "no value stored under key %q", key)
		}
		out = sdk.Bytes(v) // copies: v is only valid inside the transaction
		return nil
	})
	return out, err
}

func (s *store) remove(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	key, err := keyArg(c)
	if err != nil {
		return sdk.Value{}, err
	}
	var existed bool
	err = s.update(ctx, func(b *bbolt.Bucket) error {
		if _, existed = lookup(b, key); !existed {
			return nil
		}
		return b.Delete(key)
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
	key, err := keyArg(c)
	if err != nil {
		return sdk.Value{}, err
	}
	var ok bool
	err = s.view(ctx, func(b *bbolt.Bucket) error {
		_, ok = lookup(b, key)
		return nil
	})
	return sdk.Bool(ok), err
}

func (s *store) storeBatch(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	entries := c.Arg("entries").Fields()
	for _, f := range entries {
		if err := checkKey(f.Key, "entries"); err != nil {
			return sdk.Value{}, err
		}
		if f.Value.Kind() != sdk.KindBytes {
			return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "entries: the value of %q must be bytes, got %s", f.Key, f.Value.Kind())
		}
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
	items := c.Arg("keys").Items()
	keys := make([]string, len(items))
	for i, it := range items {
		k, ok := it.AsString()
		if !ok {
			return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "keys: item %d must be a string, got %s", i, it.Kind())
		}
		if err := checkKey(k, "keys"); err != nil {
			return sdk.Value{}, err
		}
		keys[i] = k
	}
	found := map[string]sdk.Value{}
	err := s.view(ctx, func(b *bbolt.Bucket) error {
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
