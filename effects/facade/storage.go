package facade

import (
	"context"

	"github.com/aurahost/aura-host/effects"
)

// Storage is the client of the storage family: a durable key/value store
// of bytes under non-empty string keys.
type Storage struct{ c caller }

var (
	opStore         = declare("Storage.Store", effects.StorageStore, effects.KindNull, arg("key", effects.KindString), arg("value", effects.KindBytes))
	opRetrieve      = declare("Storage.Retrieve", effects.StorageRetrieve, effects.KindBytes, arg("key", effects.KindString))
	opRemove        = declare("Storage.Remove", effects.StorageRemove, effects.KindBool, arg("key", effects.KindString))
	opListKeys      = declare("Storage.ListKeys", effects.StorageListKeys, effects.KindList, opt("prefix", effects.KindString))
	opExists        = declare("Storage.Exists", effects.StorageExists, effects.KindBool, arg("key", effects.KindString))
	opStoreBatch    = declare("Storage.StoreBatch", effects.StorageStoreBatch, effects.KindNull, arg("entries", effects.KindMap))
	opRetrieveBatch = declare("Storage.RetrieveBatch", effects.StorageRetrieveBatch, effects.KindMap, arg("keys", effects.KindList))
	opStorageStats  = declare("Storage.Stats", effects.StorageStats, effects.KindMap)
	opClearAll      = declare("Storage.ClearAll", effects.StorageClearAll, effects.KindInt)
)

// StorageStats describes a store.
type StorageStats struct {
	Keys      int64  // number of keys
	Bytes     int64  // total bytes of keys and values
	FileBytes int64  // size of the database file (0 for an in-memory store)
	Path      string // the database file ("" for an in-memory store)
}

// Store stores value under key, replacing any previous value, and returns
// once the write is durable.
func (x *Storage) Store(ctx context.Context, key string, value []byte) error {
	v, err := x.c.invoke(ctx, opStore, map[string]effects.Value{"key": effects.String(key), "value": effects.Bytes(value)})
	if err != nil {
		return err
	}
	return decodeNull(opStore, v)
}

// Retrieve returns the bytes stored under key. A key never stored, or
// removed, is an error matching effects.ErrNotFound.
func (x *Storage) Retrieve(ctx context.Context, key string) ([]byte, error) {
	v, err := x.c.invoke(ctx, opRetrieve, map[string]effects.Value{"key": effects.String(key)})
	if err != nil {
		return nil, err
	}
	return decodeBytes(opRetrieve, v, -1)
}

// Remove removes key and reports whether it was there.
func (x *Storage) Remove(ctx context.Context, key string) (bool, error) {
	v, err := x.c.invoke(ctx, opRemove, map[string]effects.Value{"key": effects.String(key)})
	if err != nil {
		return false, err
	}
	return decodeBool(opRemove, v)
}

// ListKeys returns the keys that start with prefix ("" for every key), in
// byte order.
func (x *Storage) ListKeys(ctx context.Context, prefix string) ([]string, error) {
	var args map[string]effects.Value
	if prefix != "" {
		args = map[string]effects.Value{"prefix": effects.String(prefix)}
	}
	v, err := x.c.invoke(ctx, opListKeys, args)
	if err != nil {
		return nil, err
	}
	return decodeStrings(opListKeys, v)
}

// Exists reports whether a value is stored under key.
func (x *Storage) Exists(ctx context.Context, key string) (bool, error) {
	v, err := x.c.invoke(ctx, opExists, map[string]effects.Value{"key": effects.String(key)})
	if err != nil {
		return false, err
	}
	return decodeBool(opExists, v)
}

// StoreBatch stores every entry in one transaction: all are durable on
// return, or none is stored.
func (x *Storage) StoreBatch(ctx context.Context, entries map[string][]byte) error {
	m := make(map[string]effects.Value, len(entries))
	for k, b := range entries {
		m[k] = effects.Bytes(b)
	}
	v, err := x.c.invoke(ctx, opStoreBatch, map[string]effects.Value{"entries": effects.Map(m)})
	if err != nil {
		return err
	}
	return decodeNull(opStoreBatch, v)
}

// RetrieveBatch reads keys in one consistent snapshot and returns those
// present; absent keys are left out of the map.
func (x *Storage) RetrieveBatch(ctx context.Context, keys []string) (map[string][]byte, error) {
	items := make([]effects.Value, len(keys))
	for i, k := range keys {
		items[i] = effects.String(k)
	}
	v, err := x.c.invoke(ctx, opRetrieveBatch, map[string]effects.Value{"keys": effects.List(items...)})
	if err != nil {
		return nil, err
	}
	return decodeRecord(opRetrieveBatch, v, func(r reader) map[string][]byte {
		out := make(map[string][]byte, r.v.Len())
		for _, f := range r.v.Fields() {
			out[f.Key] = r.bytes(f.Key)
		}
		return out
	})
}

// Stats describes the store.
func (x *Storage) Stats(ctx context.Context) (StorageStats, error) {
	v, err := x.c.invoke(ctx, opStorageStats, nil)
	if err != nil {
		return StorageStats{}, err
	}
	return decodeRecord(opStorageStats, v, func(r reader) StorageStats {
		return StorageStats{Keys: r.int("keys"), Bytes: r.int("bytes"), FileBytes: r.int("file_bytes"), Path: r.str("path")}
	})
}

// ClearAll removes every key in one transaction and returns how many were
// removed.
func (x *Storage) ClearAll(ctx context.Context) (int, error) {
	v, err := x.c.invoke(ctx, opClearAll, nil)
	if err != nil {
		return 0, err
	}
	return decodeCount(opClearAll, v)
}
