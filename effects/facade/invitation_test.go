package facade_test

import (
	"context"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

const invitationID = "invitation-00112233445566778899aabbccddeeff"

// invitationValue is an invitation as plugins/invitation builds it: the
// record, then settled_by/settled_ms once settled and fact_id when the call
// journaled one.
func invitationValue(status string, extra map[string]effects.Value) effects.Value {
	m := map[string]effects.Value{
		"id": str(invitationID), "kind": str("guardian"), "sender": str("alice"), "receiver": str("bob"),
		"status": str(status), "created_ms": i64(1000), "expires_ms": i64(3601000),
	}
	for k, v := range extra {
		m[k] = v
	}
	return obj(m)
}

func invitationCases() []methodCase {
	factID := filled(32, 6)
	pending := facade.Invitation{ID: invitationID, Kind: facade.InviteGuardian, Sender: "alice", Receiver: "bob",
		Status: facade.InvitationPending, CreatedMs: 1000, ExpiresMs: 3601000}
	created := pending
	created.Message, created.HasMessage, created.FactID = "be my guardian", true, factID
	settled := func(status facade.InvitationStatus, by string) facade.Invitation {
		inv := pending
		inv.Status, inv.SettledBy, inv.SettledMs, inv.FactID = status, by, 2000, factID
		return inv
	}
	settledValue := func(status, by string) effects.Value {
		return invitationValue(status, map[string]effects.Value{"settled_by": str(by), "settled_ms": i64(2000), "fact_id": effects.Bytes(factID)})
	}
	idArgs := func(string) effects.Value { return args("id", str(invitationID)) }
	return []methodCase{
		{
			name: "Invitations.Invite",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Invitations.Invite(ctx, facade.InviteRequest{Kind: facade.InviteGuardian, Receiver: "bob",
					TTL: time.Hour, Message: "be my guardian"})
			},
			op: effects.InvitationInvite,
			args: args("kind", str("guardian"), "receiver", str("bob"), "ttl_ms", i64(3600000),
				"message", str("be my guardian")),
			reply: invitationValue("pending", map[string]effects.Value{"message": str("be my guardian"), "fact_id": effects.Bytes(factID)}),
			want:  created,
		},
		{
			name: "Invitations.Invite/without a message",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Invitations.Invite(ctx, facade.InviteRequest{Kind: facade.InviteGuardian, Receiver: "bob", TTL: time.Hour})
			},
			op:    effects.InvitationInvite,
			args:  args("kind", str("guardian"), "receiver", str("bob"), "ttl_ms", i64(3600000)),
			reply: invitationValue("pending", nil), want: pending,
		},
		{
			name: "Invitations.Accept",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Invitations.Accept(ctx, invitationID)
			},
			op: effects.InvitationAccept, args: idArgs("bob"),
			reply: settledValue("accepted", "bob"), want: settled(facade.InvitationAccepted, "bob"),
		},
		{
			name: "Invitations.Decline",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Invitations.Decline(ctx, invitationID)
			},
			op: effects.InvitationDecline, args: idArgs("bob"),
			reply: settledValue("declined", "bob"), want: settled(facade.InvitationDeclined, "bob"),
		},
		{
			name: "Invitations.Cancel",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Invitations.Cancel(ctx, invitationID)
			},
			op: effects.InvitationCancel, args: idArgs("alice"),
			reply: settledValue("cancelled", "alice"), want: settled(facade.InvitationCancelled, "alice"),
		},
		{
			name: "Invitations.Get",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Invitations.Get(ctx, invitationID)
			},
			op: effects.InvitationGet, args: args("id", str(invitationID)),
			reply: invitationValue("expired", nil),
			want: func() facade.Invitation {
				inv := pending
				inv.Status = facade.InvitationExpired
				return inv
			}(),
		},
		{
			name: "Invitations.ListPending",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Invitations.ListPending(ctx, "bob")
			},
			op: effects.InvitationListPending, args: args("for", str("bob")),
			reply: list(invitationValue("pending", nil)), want: []facade.Invitation{pending},
		},
		{
			name: "Invitations.ListPending/everyone's",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Invitations.ListPending(ctx, "") },
			op:   effects.InvitationListPending, args: effects.Null(),
			reply: list(), want: []facade.Invitation{},
		},
		{
			name: "Invitations.Export",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Invitations.Export(ctx, invitationID)
			},
			op: effects.InvitationExport, args: args("id", str(invitationID)),
			reply: str("AURA-INV2-ABC"), want: "AURA-INV2-ABC",
		},
		{
			name: "Invitations.Import",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Invitations.Import(ctx, "AURA-INV2-ABC")
			},
			op: effects.InvitationImport, args: args("code", str("AURA-INV2-ABC")),
			reply: invitationValue("pending", nil), want: pending,
		},
		{
			name: "Invitations.ExportAnswer",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Invitations.ExportAnswer(ctx, invitationID)
			},
			op: effects.InvitationExportAnswer, args: args("id", str(invitationID)),
			reply: str("AURA-ANS1-ABC"), want: "AURA-ANS1-ABC",
		},
		{
			name: "Invitations.ImportAnswer",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Invitations.ImportAnswer(ctx, "AURA-ANS1-ABC")
			},
			op: effects.InvitationImportAnswer, args: args("code", str("AURA-ANS1-ABC")),
			reply: settledValue("accepted", "bob"), want: settled(facade.InvitationAccepted, "bob"),
		},
		{
			name: "Invitations.Expire",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Invitations.Expire(ctx) },
			op:   effects.InvitationExpire, args: effects.Null(),
			reply: i64(2), want: 2,
		},
	}
}
