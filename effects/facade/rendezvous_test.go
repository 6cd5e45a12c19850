package facade_test

import (
	"context"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

func rendezvousCases() []methodCase {
	desc := obj(map[string]effects.Value{"addr": str("10.0.0.2:7000"), "key": effects.Bytes(filled(32, 1))})
	entryValue := obj(map[string]effects.Value{"peer": str("bob"), "descriptor": desc, "published_ms": i64(1000),
		"expires_ms": i64(3601000), "refresh_at_ms": i64(3301000)})
	entry := facade.PeerDescriptor{Peer: "bob", Descriptor: desc, PublishedMs: 1000, ExpiresMs: 3601000, RefreshAtMs: 3301000}
	return []methodCase{
		{
			name: "Rendezvous.Publish",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Rendezvous.Publish(ctx, "bob", desc, 0)
			},
			op: effects.RendezvousPublish, args: args("peer", str("bob"), "descriptor", desc),
			reply: entryValue, want: entry,
		},
		{
			name: "Rendezvous.Publish/with a validity",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Rendezvous.Publish(ctx, "bob", desc, time.Hour)
			},
			op: effects.RendezvousPublish, args: args("peer", str("bob"), "descriptor", desc, "validity_ms", i64(3600000)),
			reply: entryValue, want: entry,
		},
		{
			name: "Rendezvous.Lookup",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Rendezvous.Lookup(ctx, "bob") },
			op:   effects.RendezvousLookup, args: args("peer", str("bob")),
			reply: desc, want: desc,
		},
		{
			name: "Rendezvous.List",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Rendezvous.List(ctx) },
			op:   effects.RendezvousList, args: effects.Null(),
			reply: list(entryValue), want: []facade.PeerDescriptor{entry},
		},
		{
			name: "Rendezvous.Expire",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Rendezvous.Expire(ctx) },
			op:   effects.RendezvousExpire, args: effects.Null(),
			reply: i64(1), want: 1,
		},
	}
}
