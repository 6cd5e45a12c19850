package facade_test

import (
	"context"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

func reactiveCases() []methodCase {
	def := obj(map[string]effects.Value{"name": str("n"), "source": obj(map[string]effects.Value{"predicate": str("p")}), "reduce": str("count")})
	return []methodCase{
		{
			name: "Reactive.Register",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Reactive.Register(ctx, def, false)
			},
			op: effects.ReactiveRegister, args: args("definition", def),
			reply: i64(3), want: i64(3),
		},
		{
			name: "Reactive.Register/replace",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Reactive.Register(ctx, def, true)
			},
			op: effects.ReactiveRegister, args: args("definition", def, "replace", effects.Bool(true)),
			reply: i64(0), want: i64(0),
		},
		{
			name: "Reactive.Read",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Reactive.Read(ctx, "n") },
			op:   effects.ReactiveRead, args: args("signal", str("n")),
			reply: i64(7), want: i64(7),
		},
		{
			name: "Reactive.Emit",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return nil, fx.Reactive.Emit(ctx, "x", str("on"))
			},
			op: effects.ReactiveEmit, args: args("signal", str("x"), "value", str("on")),
			reply: effects.Null(), want: nil,
		},
		{
			name: "Reactive.List",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Reactive.List(ctx) },
			op:   effects.ReactiveList, args: effects.Null(),
			reply: effects.List(obj(map[string]effects.Value{"name": str("n"), "kind": str("source"), "definition": def, "subscribers": i64(2)})),
			want:  []facade.SignalInfo{{Name: "n", Kind: "source", Definition: def, Subscribers: 2}},
		},
	}
}
