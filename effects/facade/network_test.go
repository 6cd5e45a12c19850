package facade_test

import (
	"context"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

// received holds what the receive methods return besides an error.
type received struct {
	Envelope facade.Envelope
	OK       bool
}

func networkCases() []methodCase {
	bob, carol, chat := str("bob"), str("carol"), bs("chat")
	full := facade.Envelope{Destination: bob, Source: carol, Context: chat, Payload: []byte("hi"),
		Metadata: obj(map[string]effects.Value{"n": i64(1)}), Receipt: []byte("rcpt")}
	fullValue := obj(map[string]effects.Value{"destination": bob, "source": carol, "context": chat, "payload": bs("hi"),
		"metadata": obj(map[string]effects.Value{"n": i64(1)}), "receipt": bs("rcpt")})
	bare := facade.Envelope{Destination: bob, Source: carol, Context: str(""), Payload: []byte{}}
	bareValue := obj(map[string]effects.Value{"destination": bob, "source": carol, "context": str(""), "payload": bs("")})
	return []methodCase{
		{
			name: "Network.SendEnvelope/simulated",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Network.SendEnvelope(ctx, full) },
			op:   effects.NetworkSendEnvelope, args: args("envelope", fullValue),
			reply: obj(map[string]effects.Value{"seq": u64(1), "copies": i64(2), "dropped": effects.Bool(false), "deliver_at": i64(40)}),
			want:  facade.SendResult{Seq: 1, Copies: 2, DeliverAtMs: 40, Scheduled: true},
		},
		{
			name: "Network.SendEnvelope/transport",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Network.SendEnvelope(ctx, bare) },
			op:   effects.NetworkSendEnvelope, args: args("envelope", bareValue),
			reply: obj(map[string]effects.Value{"seq": u64(7), "copies": i64(1), "dropped": effects.Bool(false), "deliver_at": effects.Null()}),
			want:  facade.SendResult{Seq: 7, Copies: 1},
		},
		{
			name: "Network.ReceiveEnvelope",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				e, ok, err := fx.Network.ReceiveEnvelope(ctx, bob)
				return received{e, ok}, err
			},
			op: effects.NetworkReceiveEnvelope, args: args("destination", bob),
			reply: fullValue, want: received{full, true},
		},
		{
			name: "Network.ReceiveEnvelope/nothing queued",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				e, ok, err := fx.Network.ReceiveEnvelope(ctx, effects.Null())
				return received{e, ok}, err
			},
			op: effects.NetworkReceiveEnvelope, args: effects.Null(),
			reply: effects.Null(), want: received{},
		},
		{
			name: "Network.ReceiveEnvelopeFrom",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				e, ok, err := fx.Network.ReceiveEnvelopeFrom(ctx, carol, str(""), effects.Null())
				return received{e, ok}, err
			},
			op: effects.NetworkReceiveEnvelopeFrom, args: args("source", carol, "context", str("")),
			reply: bareValue, want: received{bare, true},
		},
		{
			name: "Network.ConnectedPeers",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Network.ConnectedPeers(ctx, bob) },
			op:   effects.NetworkConnectedPeers, args: args("self", bob),
			reply: list(carol, bs("\x01\x02")), want: []effects.Value{carol, bs("\x01\x02")},
		},
		{
			name: "Network.IsChannelEstablished",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Network.IsChannelEstablished(ctx, chat, carol, effects.Null())
			},
			op: effects.NetworkIsChannelEstablished, args: args("context", chat, "peer", carol),
			reply: effects.Bool(true), want: true,
		},
	}
}
