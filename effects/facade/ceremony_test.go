package facade_test

import (
	"context"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

func ceremonyCases() []methodCase {
	reply := obj(map[string]effects.Value{
		"id": str("ceremony-01"), "account": str("alice"), "invitations": list(str("invitation-1"), str("invitation-2")),
		"guardians": list(str("bob"), str("carol")), "threshold": i64(2), "created_ms": i64(1000), "expires_ms": i64(61000),
		"rotation": str("key-1"), "state": str("collecting"), "accepted": list(str("bob")), "reason": str(""), "settled": effects.Bool(false),
	})
	want := facade.Ceremony{ID: "ceremony-01", Account: "alice", Invitations: []string{"invitation-1", "invitation-2"},
		Guardians: []string{"bob", "carol"}, Threshold: 2, CreatedMs: 1000, ExpiresMs: 61000, Rotation: "key-1",
		State: facade.CeremonyCollecting, Accepted: []string{"bob"}}
	id := args("id", str("ceremony-01"))
	return []methodCase{
		{
			name: "Ceremonies.Propose",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Ceremonies.Propose(ctx, facade.CeremonyRequest{Invitations: []string{"invitation-1", "invitation-2"},
					Threshold: 2, TTL: time.Minute, Rotation: "key-1"})
			},
			op: effects.CeremonyPropose, args: args("invitations", list(str("invitation-1"), str("invitation-2")), "threshold", i64(2),
				"ttl_ms", i64(60000), "rotation", str("key-1")),
			reply: reply, want: want,
		},
		{
			name: "Ceremonies.Propose/without a rotation",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Ceremonies.Propose(ctx, facade.CeremonyRequest{Invitations: []string{"invitation-1"}, Threshold: 1, TTL: time.Second})
			},
			op: effects.CeremonyPropose, args: args("invitations", list(str("invitation-1")), "threshold", i64(1), "ttl_ms", i64(1000)),
			reply: reply, want: want,
		},
		{
			name: "Ceremonies.Advance",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Ceremonies.Advance(ctx, "ceremony-01")
			},
			op: effects.CeremonyAdvance, args: id, reply: reply, want: want,
		},
		{
			name: "Ceremonies.Cancel",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Ceremonies.Cancel(ctx, "ceremony-01")
			},
			op: effects.CeremonyCancel, args: id, reply: reply, want: want,
		},
		{
			name: "Ceremonies.Get",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Ceremonies.Get(ctx, "ceremony-01")
			},
			op: effects.CeremonyGet, args: id, reply: reply, want: want,
		},
		{
			name: "Ceremonies.List",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Ceremonies.List(ctx) },
			op:   effects.CeremonyList, args: effects.Null(), reply: list(reply), want: []facade.Ceremony{want},
		},
	}
}
