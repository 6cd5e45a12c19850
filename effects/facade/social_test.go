package facade_test

import (
	"context"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

func socialCases() []methodCase {
	b := effects.Bool
	hop := func(a, home string, tier int64) effects.Value {
		return obj(map[string]effects.Value{"authority": str(a), "home": str(home), "tier": i64(tier)})
	}
	neighbourhood := obj(map[string]effects.Value{
		"self": str("authority-s"), "relationships": i64(2),
		"homes":   list(obj(map[string]effects.Value{"id": str("peer/authority-a"), "kind": str("peer"), "members": list(str("authority-a")), "own": b(false)})),
		"peers":   list(obj(map[string]effects.Value{"authority": str("authority-a"), "relations": list(str("guardian")), "home": str("peer/authority-a"), "tier": i64(0)})),
		"skipped": obj(map[string]effects.Value{"malformed": i64(1), "unverified": i64(2), "unknown": i64(3)}),
	})
	profile := obj(map[string]effects.Value{
		"destination": str("authority-d"), "mode": str("private"), "path": list(hop("authority-a", "peer/authority-a", 0), hop("authority-b", "channel/x", 3)),
		"descriptor": b(true), "addresses": list(str("/ip4/10.0.0.1/udp/4001/quic-v1")), "relays": list(),
		"health_known": b(true), "rtt_ms": i64(20), "loss_ppm": i64(1000), "permit_known": b(true), "permitted": b(true),
		"headroom": effects.Uint(99), "computed_ms": i64(1000), "expires_ms": i64(31000), "changed_ms": i64(1000),
	})
	return []methodCase{
		{
			name: "Social.Neighbourhood",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Social.Neighbourhood(ctx) },
			op:   effects.SocialNeighbourhood, args: effects.Null(), reply: neighbourhood,
			want: facade.Neighbourhood{Self: "authority-s", Relationships: 2,
				Homes:            []facade.Home{{ID: "peer/authority-a", Kind: "peer", Members: []string{"authority-a"}}},
				Peers:            []facade.SocialPeer{{Authority: "authority-a", Relations: []string{"guardian"}, Home: "peer/authority-a"}},
				SkippedMalformed: 1, SkippedUnverified: 2, SkippedUnknown: 3},
		},
		{
			name: "Social.SelectRelays",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Social.SelectRelays(ctx, 2) },
			op:   effects.SocialSelectRelays, args: args("count", i64(2)),
			reply: list(hop("authority-a", "peer/authority-a", 0)),
			want:  []facade.RelayCandidate{{Authority: "authority-a", Home: "peer/authority-a"}},
		},
		{
			name: "Selection.Profile",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Selection.Profile(ctx, "authority-d", true)
			},
			op: effects.SelectionProfile, args: args("destination", str("authority-d"), "refresh", b(true)), reply: profile,
			want: facade.PathProfile{Destination: "authority-d", Mode: "private",
				Path:       []facade.RelayCandidate{{Authority: "authority-a", Home: "peer/authority-a"}, {Authority: "authority-b", Home: "channel/x", Tier: 3}},
				Descriptor: true, Addresses: []string{"/ip4/10.0.0.1/udp/4001/quic-v1"}, Relays: []string{},
				HealthKnown: true, RTT: 20 * time.Millisecond, LossPPM: 1000, PermitKnown: true, Permitted: true, Headroom: 99,
				ComputedMs: 1000, ExpiresMs: 31000, ChangedMs: 1000},
		},
		{
			name: "Selection.Profile/cached",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Selection.Profile(ctx, "authority-d", false)
			},
			op: effects.SelectionProfile, args: args("destination", str("authority-d")), reply: profile,
			want: facade.PathProfile{Destination: "authority-d", Mode: "private",
				Path:       []facade.RelayCandidate{{Authority: "authority-a", Home: "peer/authority-a"}, {Authority: "authority-b", Home: "channel/x", Tier: 3}},
				Descriptor: true, Addresses: []string{"/ip4/10.0.0.1/udp/4001/quic-v1"}, Relays: []string{},
				HealthKnown: true, RTT: 20 * time.Millisecond, LossPPM: 1000, PermitKnown: true, Permitted: true, Headroom: 99,
				ComputedMs: 1000, ExpiresMs: 31000, ChangedMs: 1000},
		},
		{
			name: "Selection.SetPrivacy",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Selection.SetPrivacy(ctx, true) },
			op:   effects.SelectionSetPrivacy, args: args("on", b(true)), reply: b(true), want: true,
		},
	}
}
