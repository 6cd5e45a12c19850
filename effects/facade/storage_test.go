package facade_test

import (
	"context"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

func storageCases() []methodCase {
	return []methodCase{
		{
			name: "Storage.Store",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return nil, fx.Storage.Store(ctx, "k", []byte("v"))
			},
			op: effects.StorageStore, args: args("key", str("k"), "value", bs("v")),
			reply: effects.Null(), want: nil,
		},
		{
			name: "Storage.Retrieve",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Storage.Retrieve(ctx, "k") },
			op:   effects.StorageRetrieve, args: args("key", str("k")),
			reply: bs("v"), want: []byte("v"),
		},
		{
			name: "Storage.Remove",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Storage.Remove(ctx, "k") },
			op:   effects.StorageRemove, args: args("key", str("k")),
			reply: effects.Bool(true), want: true,
		},
		{
			name: "Storage.ListKeys",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Storage.ListKeys(ctx, "a/") },
			op:   effects.StorageListKeys, args: args("prefix", str("a/")),
			reply: list(str("a/1"), str("a/2")), want: []string{"a/1", "a/2"},
		},
		{
			name: "Storage.ListKeys/every key",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Storage.ListKeys(ctx, "") },
			op:   effects.StorageListKeys, args: effects.Null(),
			reply: list(), want: []string{},
		},
		{
			name: "Storage.Exists",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Storage.Exists(ctx, "k") },
			op:   effects.StorageExists, args: args("key", str("k")),
			reply: effects.Bool(false), want: false,
		},
		{
			name: "Storage.StoreBatch",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return nil, fx.Storage.StoreBatch(ctx, map[string][]byte{"a": []byte("1"), "b": {}})
			},
			op:    effects.StorageStoreBatch,
			args:  args("entries", obj(map[string]effects.Value{"a": bs("1"), "b": bs("")})),
			reply: effects.Null(), want: nil,
		},
		{
			name: "Storage.RetrieveBatch",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Storage.RetrieveBatch(ctx, []string{"a", "zz", "b"})
			},
			op:    effects.StorageRetrieveBatch,
			args:  args("keys", list(str("a"), str("zz"), str("b"))),
			reply: obj(map[string]effects.Value{"a": bs("1"), "b": bs("")}),
			want:  map[string][]byte{"a": []byte("1"), "b": {}},
		},
		{
			name: "Storage.Stats",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Storage.Stats(ctx) },
			op:   effects.StorageStats, args: effects.Null(),
			reply: obj(map[string]effects.Value{"keys": i64(2), "bytes": i64(8), "file_bytes": i64(32768), "path": str("/s/storage.db")}),
			want:  facade.StorageStats{Keys: 2, Bytes: 8, FileBytes: 32768, Path: "/s/storage.db"},
		},
		{
			name: "Storage.ClearAll",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Storage.ClearAll(ctx) },
			op:   effects.StorageClearAll, args: effects.Null(),
			reply: i64(2), want: 2,
		},
	}
}
