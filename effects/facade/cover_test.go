package facade_test

import (
	"context"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

func coverCases() []methodCase {
	link := obj(map[string]effects.Value{"peer": str("authority-00"), "app_sent": effects.Int(9), "cover_sent": effects.Int(11),
		"cover_received": effects.Int(20), "replayed": effects.Int(1), "refused": effects.Int(2), "exhausted": effects.Int(0),
		"path": str("established"), "path_expires_ms": effects.Int(30_000), "reserve_limit": effects.Uint(240), "reserve_spent": effects.Uint(22)})
	return []methodCase{{
		name: "Cover.Status",
		call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Cover.Status(ctx) },
		op:   effects.CoverStatus, args: effects.Null(),
		reply: obj(map[string]effects.Value{"privacy_mode": effects.Bool(true), "floor_pps": effects.Int(2), "interval_ms": effects.Int(500),
			"payload_bytes": effects.Int(256), "sending": effects.Bool(true), "reason": str(""), "ticks": effects.Int(20),
			"peers": effects.List(link)}),
		want: facade.CoverStatus{PrivacyMode: true, FloorPPS: 2, IntervalMS: 500, PayloadBytes: 256, Sending: true, Ticks: 20,
			Peers: []facade.CoverLink{{Peer: "authority-00", AppSent: 9, CoverSent: 11, CoverReceived: 20, Replayed: 1, Refused: 2,
				Path: "established", PathExpiresMS: 30_000, ReserveLimit: 240, ReserveSpent: 22}}},
	}}
}
