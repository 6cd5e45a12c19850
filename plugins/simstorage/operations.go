package simstorage

import (
	"context"
	"slices"
	"strings"

	"github.com/aurahost/aura-host/sdk"
)

const keyDoc = "the key: a non-empty string of at most 32768 bytes"

func (s *store) storageOperations() []sdk.Operation {
	keyParam := sdk.Param{Name: "key", Kind: sdk.KindString, Doc: keyDoc}
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID:  "storage.store",
				Doc: "Stores value under key, replacing any previous value, in memory. Returns null.",
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
				ID:  "storage.store_batch",
				Doc: "Stores every entry of a map of key to bytes at once: all of them, or (on a bad entry) none. Returns null.",
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
				Params:      []sdk.Param{{Name: "keys", Kind: sdk.KindList, Doc: "list of keys (strings) to read"}},
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
					"and values), file_bytes: int (always 0: there is no file), path: string (always empty)}.",
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.stats,
		},
		{
			Spec: sdk.OpSpec{
				ID:          "storage.clear_all",
				Doc:         "Removes every key. Returns the number of keys removed (int).",
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
	case len(key) > MaxKeySize:
		return sdk.Errorf(sdk.CodeInvalidArgs, "%s: key is %d bytes, more than the %d allowed", where, len(key), MaxKeySize)
	}
	return nil
}

func keyArg(c *sdk.Call) (string, error) {
	k, _ := c.Arg("key").AsString()
	return k, checkKey(k, "key")
}

func (s *store) store(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	key, err := keyArg(c)
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
	key, err := keyArg(c)
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
	key, err := keyArg(c)
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
	key, err := keyArg(c)
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
	entries := c.Arg("entries").Fields()
	for _, f := range entries {
		if err := checkKey(f.Key, "entries"); err != nil {
			return sdk.Value{}, err
		}
		if f.Value.Kind() != sdk.KindBytes {
			return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "entries: the value of %q must be bytes, got %s", f.Key, f.Value.Kind())
		}
	}
	return sdk.Null(), s.do(ctx, c, func(data map[string][]byte) error {
		for _, f := range entries {
			data[f.Key], _ = f.Value.AsBytes()
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
	err := s.do(ctx, c, func(data map[string][]byte) error {
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
