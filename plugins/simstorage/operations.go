package simstorage

import (
	"context"
	"slices"
	"strings"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/standin"
	"github.com/aurahost/aura-host/plugins/internal/storageops"
	"github.com/aurahost/aura-host/sdk"
)

// storageOperations are the storage plugin's operations, served from memory
// and described as such where that makes a difference.
func (s *store) storageOperations() []sdk.Operation {
	ops := storageops.Operations(storageops.Handlers{
		Store: s.store, Retrieve: s.retrieve, Remove: s.remove, ListKeys: s.listKeys, Exists: s.exists,
		StoreBatch: s.storeBatch, RetrieveBatch: s.retrieveBatch, Stats: s.stats, ClearAll: s.clearAll,
	})
	return standin.Describe(ops, map[sdk.OpID]standin.Doc{
		effects.StorageStore: {Op: "Stores value under key, replacing any previous value, in memory. Returns null."},
		effects.StorageStoreBatch: {
			Op: "Stores every entry of a map of key to bytes at once: all of them, or (on a bad entry) none. Returns null.",
		},
		effects.StorageStats: {Op: "Describes the store: a map {keys: int (number of keys), bytes: int (total bytes of keys " +
			"and values), file_bytes: int (always 0: there is no file), path: string (always empty)}."},
		effects.StorageClearAll: {Op: "Removes every key. Returns the number of keys removed (int)."},
	})
}

func (s *store) store(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	key, err := storageops.KeyArg(c)
	if err != nil {
		return sdk.Value{}, err
	}
	value, _ := c.Arg("value").AsBytes()
	return sdk.Null(), s.do(ctx, c, func(data map[string][]byte) error {
		data[key] = value
		return nil
	})
}

func (s *store) retrieve(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	key, err := storageops.KeyArg(c)
	if err != nil {
		return sdk.Value{}, err
	}
	var out sdk.Value
	err = s.do(ctx, c, func(data map[string][]byte) error {
		v, ok := data[key]
		if !ok {
			return sdk.Errorf(sdk.CodeNotFound, "no value stored under key %q", key)
		}
		out = sdk.Bytes(v)
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
	err = s.do(ctx, c, func(data map[string][]byte) error {
		_, existed = data[key]
		delete(data, key)
		return nil
	})
	return sdk.Bool(existed), err
}

func (s *store) listKeys(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	prefix, _ := c.Arg("prefix").AsString()
	var keys []string
	err := s.do(ctx, c, func(data map[string][]byte) error {
		for k := range data {
			if strings.HasPrefix(k, prefix) {
				keys = append(keys, k)
			}
		}
		return nil
	})
	slices.Sort(keys)
	out := make([]sdk.Value, len(keys))
	for i, k := range keys {
		out[i] = sdk.String(k)
	}
	return sdk.List(out...), err
}

func (s *store) exists(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	key, err := storageops.KeyArg(c)
	if err != nil {
		return sdk.Value{}, err
	}
	var ok bool
	err = s.do(ctx, c, func(data map[string][]byte) error {
		_, ok = data[key]
		return nil
	})
	return sdk.Bool(ok), err
}

func (s *store) storeBatch(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	entries, err := storageops.EntriesArg(c)
	if err != nil {
		return sdk.Value{}, err
	}
	return sdk.Null(), s.do(ctx, c, func(data map[string][]byte) error {
		for _, f := range entries {
			data[f.Key], _ = f.Value.AsBytes()
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
	err = s.do(ctx, c, func(data map[string][]byte) error {
		for _, k := range keys {
			if v, ok := data[k]; ok {
				found[k] = sdk.Bytes(v)
			}
		}
		return nil
	})
	return sdk.Map(found), err
}

func (s *store) stats(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	var keys, size int64
	err := s.do(ctx, c, func(data map[string][]byte) error {
		for k, v := range data {
			keys++
			size += int64(len(k) + len(v))
		}
		return nil
	})
	if err != nil {
		return sdk.Value{}, err
	}
	return sdk.Map(map[string]sdk.Value{
		"keys": sdk.Int(keys), "bytes": sdk.Int(size), "file_bytes": sdk.Int(0), "path": sdk.String(""),
	}), nil
}

func (s *store) clearAll(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	var removed int64
	err := s.do(ctx, c, func(data map[string][]byte) error {
		removed = int64(len(data))
		clear(data)
		return nil
	})
	return sdk.Int(removed), err
}
