package storageops

import (
	"context"

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
