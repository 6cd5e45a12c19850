package facade_test

import (
	"context"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

func holdCases() []methodCase {
	id := filled(16, 3)
	deposit := effects.Map(map[string]effects.Value{
		"id": effects.Bytes(id), "recipient": str("authority-g"), "holders": effects.List(str("authority-h")),
		"acked": effects.List(str("authority-h")), "refused": effects.List(), "state": str("held"),
		"created_ms": effects.Int(5), "expires_ms": effects.Int(125),
	})
	wantDeposit := facade.HoldDeposit{ID: id, Recipient: "authority-g", Holders: []string{"authority-h"},
		Acked: []string{"authority-h"}, Refused: []string{}, State: "held", CreatedMs: 5, ExpiresMs: 125}
	retrieval := effects.Map(map[string]effects.Value{
		"asked": effects.Int(2),
		"received": effects.List(effects.Map(map[string]effects.Value{"id": effects.Bytes(id), "depositor": str("authority-a"),
			"payload": effects.Bytes([]byte("req")), "created_ms": effects.Int(5), "holders": effects.List(str("authority-h"))})),
		"refusals": effects.List(effects.Map(map[string]effects.Value{"holder": str("authority-x"), "deposit": effects.Bytes(id),
			"reason": str("conflict: capability expired"), "at_ms": effects.Int(9)})),
	})
	wantRetrieval := facade.HoldRetrieval{Asked: 2,
		Received: []facade.ReceivedEnvelope{{ID: id, Depositor: "authority-a", Payload: []byte("req"), CreatedMs: 5, Holders: []string{"authority-h"}}},
		Refusals: []facade.HoldRefusal{{Holder: "authority-x", Deposit: id, Reason: "conflict: capability expired", AtMs: 9}}}
	score := effects.Map(map[string]effects.Value{"holder": str("authority-h"), "delivered": effects.Int(2), "failed": effects.Int(1)})
	wantScore := facade.HolderScore{Holder: "authority-h", Delivered: 2, Failed: 1}
	return []methodCase{
		{
			name: "Holds.Deposit",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Holds.Deposit(ctx, "authority-g", []byte("req"), "authority-h")
			},
			op:    effects.HoldDeposit,
			args:  args("recipient", str("authority-g"), "payload", effects.Bytes([]byte("req")), "holders", effects.List(str("authority-h"))),
			reply: deposit, want: wantDeposit,
		},
		{
			name: "Holds.Status",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Holds.Status(ctx, id) },
			op:   effects.HoldStatus, args: args("id", effects.Bytes(id)), reply: deposit, want: wantDeposit,
		},
		{
			name: "Holds.List",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Holds.List(ctx) },
			op:   effects.HoldList, args: effects.Null(), reply: effects.List(deposit), want: []facade.HoldDeposit{wantDeposit},
		},
		{
			name: "Holds.Held",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Holds.Held(ctx) },
			op:   effects.HoldHeld, args: effects.Null(),
			reply: effects.List(effects.Map(map[string]effects.Value{"id": effects.Bytes(id), "depositor": str("authority-a"),
				"recipient": str("authority-g"), "bytes": effects.Int(3), "expires_ms": effects.Int(125), "retrieved": effects.Int(1)})),
			want: []facade.HeldEnvelope{{ID: id, Depositor: "authority-a", Recipient: "authority-g", Bytes: 3, ExpiresMs: 125, Retrieved: 1}},
		},
		{
			name: "Holds.Retrieve",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Holds.Retrieve(ctx) },
			op:   effects.HoldRetrieve, args: effects.Null(), reply: retrieval, want: wantRetrieval,
		},
		{
			name: "Holds.Received",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Holds.Received(ctx) },
			op:   effects.HoldReceived, args: effects.Null(), reply: retrieval, want: wantRetrieval,
		},
		{
			name: "Holds.Witness",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Holds.Witness(ctx, []byte("w")) },
			op:   effects.HoldWitness, args: args("witness", effects.Bytes([]byte("w"))), reply: score, want: wantScore,
		},
		{
			name: "Holds.Health",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Holds.Health(ctx) },
			op:   effects.HoldHealth, args: effects.Null(), reply: effects.List(score), want: []facade.HolderScore{wantScore},
		},
	}
}
