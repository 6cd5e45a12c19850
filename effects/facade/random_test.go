package facade_test

import (
	"context"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

func randomCases() []methodCase {
	return []methodCase{
		{
			name: "Random.Bytes",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Random.Bytes(ctx, 3) },
			op:   effects.RandomBytes, args: args("n", i64(3)),
			reply: bs("abc"), want: []byte("abc"),
		},
		{
			name: "Random.Bytes32",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Random.Bytes32(ctx) },
			op:   effects.RandomBytes32, args: effects.Null(),
			reply: effects.Bytes(filled(32, 4)), want: [32]byte(filled(32, 4)),
		},
		{
			name: "Random.Uint64",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Random.Uint64(ctx) },
			op:   effects.RandomU64, args: effects.Null(),
			reply: u64(1 << 63), want: uint64(1 << 63),
		},
		{
			name: "Random.Range",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Random.Range(ctx, -5, 5) },
			op:   effects.RandomRange, args: args("min", i64(-5), "max", i64(5)),
			reply: i64(-5), want: int64(-5),
		},
		{
			name: "Random.UUID",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Random.UUID(ctx) },
			op:   effects.RandomUUID, args: effects.Null(),
			reply: str("0b9c2a6e-3f1d-4c8e-9a4b-7d2e1f0c5a3b"), want: "0b9c2a6e-3f1d-4c8e-9a4b-7d2e1f0c5a3b",
		},
	}
}
