package facade

import (
	"context"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// Invitations is the client of the invitation service. An invitation goes
// from pending to accepted or declined (by its receiver only), cancelled
// (by its sender only) or expired; those states are final, and each
// transition is journaled. Parties are authorities, and the acting party
// is always the caller's authority (the Scope's, or the invoker's): no
// method takes it as an argument. Invitations are signed by the sender's
// device key and answers by the answering party's. A pending invitation
// travels as a code; importing one checks its signature against the
// sender's device key.
type Invitations struct{ c caller }

// InvitationKind is what the receiver is invited to be.
type InvitationKind string

// The invitation kinds.
const (
	InviteGuardian InvitationKind = "guardian" // a guardian of the sender's authority
	InviteContact  InvitationKind = "contact"  // a contact
	InviteChannel  InvitationKind = "channel"  // a member of a channel
	InviteDevice   InvitationKind = "device"   // an enrolled device
)

// InvitationStatus is where an invitation stands.
type InvitationStatus string

// The invitation statuses; all but InvitationPending are final.
const (
	InvitationPending   InvitationStatus = "pending"
	InvitationAccepted  InvitationStatus = "accepted"
	InvitationDeclined  InvitationStatus = "declined"
	InvitationCancelled InvitationStatus = "cancelled"
	InvitationExpired   InvitationStatus = "expired"
)

var (
	opInvite = declare("Invitations.Invite", effects.InvitationInvite, effects.KindMap,
		arg("kind", effects.KindString), arg("receiver", effects.KindString),
		arg("ttl_ms", effects.KindInt), opt("message", effects.KindString))
	opInvitationAccept  = declare("Invitations.Accept", effects.InvitationAccept, effects.KindMap, arg("id", effects.KindString))
	opInvitationDecline = declare("Invitations.Decline", effects.InvitationDecline, effects.KindMap, arg("id", effects.KindString))
	opInvitationCancel  = declare("Invitations.Cancel", effects.InvitationCancel, effects.KindMap, arg("id", effects.KindString))
	opInvitationGet     = declare("Invitations.Get", effects.InvitationGet, effects.KindMap, arg("id", effects.KindString))
	opListPending       = declare("Invitations.ListPending", effects.InvitationListPending, effects.KindList, opt("for", effects.KindString))
	opInvitationExport  = declare("Invitations.Export", effects.InvitationExport, effects.KindString, arg("id", effects.KindString))
	opInvitationImport  = declare("Invitations.Import", effects.InvitationImport, effects.KindMap, arg("code", effects.KindString))
	opExportAnswer      = declare("Invitations.ExportAnswer", effects.InvitationExportAnswer, effects.KindString, arg("id", effects.KindString))
	opImportAnswer      = declare("Invitations.ImportAnswer", effects.InvitationImportAnswer, effects.KindMap, arg("code", effects.KindString))
	opInvitationExpire  = declare("Invitations.Expire", effects.InvitationExpire, effects.KindInt)
)

// InviteRequest asks for a new invitation. The sender is the caller's
// authority.
type InviteRequest struct {
	Kind     InvitationKind // what the receiver is invited to be
	Receiver string         // the authority invited ("authority-…"), not the caller's
	TTL      time.Duration  // until it expires; rounded up to whole ms, at least 1 ms
	Message  string         // a note to the receiver, at most 4096 bytes; "" for none
}

// Invitation is an invitation as the service reports it.
type Invitation struct {
	ID         string           // "invitation-" and 32 hex digits
	Kind       InvitationKind   // what the receiver is invited to be
	Sender     string           // the inviting authority: the only one who may cancel
	Receiver   string           // the invited authority: the only one who may accept or decline
	Status     InvitationStatus // where it stands now (a pending invitation past ExpiresMs reads as expired)
	CreatedMs  int64            // when it was created, in the service clock's milliseconds
	ExpiresMs  int64            // when it expires unless settled before
	Message    string           // "" if none was given
	HasMessage bool             // a message was given (it may be empty)
	SettledBy  string           // the authority that accepted, declined or cancelled it; "" until then
	SettledMs  int64            // when; 0 until then
	FactID     []byte           // the fact the call journaled (Invite, Accept, Decline, Cancel); nil otherwise
}

func readInvitation(r reader) Invitation {
	inv := Invitation{
		ID: r.str("id"), Kind: InvitationKind(r.str("kind")), Sender: r.str("sender"), Receiver: r.str("receiver"),
		Status: InvitationStatus(r.str("status")), CreatedMs: r.int("created_ms"), ExpiresMs: r.int("expires_ms"),
		SettledBy: r.optStr("settled_by"), SettledMs: r.optInt("settled_ms"), FactID: r.optBytes("fact_id"),
	}
	if m, ok := r.v.Get("message"); ok && !m.IsNull() {
		inv.Message, inv.HasMessage = r.str("message"), true
	}
	return inv
}

// Invite creates a pending invitation.
func (x *Invitations) Invite(ctx context.Context, req InviteRequest) (Invitation, error) {
	args := map[string]effects.Value{
		"kind": effects.String(string(req.Kind)), "receiver": effects.String(req.Receiver), "ttl_ms": effects.Int(millis(req.TTL)),
	}
	if req.Message != "" {
		args["message"] = effects.String(req.Message)
	}
	v, err := x.c.invoke(ctx, opInvite, args)
	return x.invitation(opInvite, v, err)
}

// Accept accepts an invitation; the caller's authority must be its
// receiver, else the call is denied (effects.ErrDenied); an invitation no
// longer pending is a conflict (effects.ErrConflict).
func (x *Invitations) Accept(ctx context.Context, id string) (Invitation, error) {
	return x.transition(ctx, opInvitationAccept, id)
}

// Decline declines an invitation as its receiver, with the errors of
// Accept.
func (x *Invitations) Decline(ctx context.Context, id string) (Invitation, error) {
	return x.transition(ctx, opInvitationDecline, id)
}

// Cancel cancels an invitation as its sender, with the errors of Accept.
func (x *Invitations) Cancel(ctx context.Context, id string) (Invitation, error) {
	return x.transition(ctx, opInvitationCancel, id)
}

func (x *Invitations) transition(ctx context.Context, op *operation, id string) (Invitation, error) {
	v, err := x.c.invoke(ctx, op, map[string]effects.Value{"id": effects.String(id)})
	return x.invitation(op, v, err)
}

// Get returns an invitation; an unknown one is an error matching
// effects.ErrNotFound.
func (x *Invitations) Get(ctx context.Context, id string) (Invitation, error) {
	v, err := x.c.invoke(ctx, opInvitationGet, map[string]effects.Value{"id": effects.String(id)})
	return x.invitation(opInvitationGet, v, err)
}

func (x *Invitations) invitation(op *operation, v effects.Value, err error) (Invitation, error) {
	if err != nil {
		return Invitation{}, err
	}
	return decodeRecord(op, v, readInvitation)
}

// ListPending returns the pending invitations, oldest first: all of them
// (party "") or those the authority party sent or received.
func (x *Invitations) ListPending(ctx context.Context, party string) ([]Invitation, error) {
	var args map[string]effects.Value
	if party != "" {
		args = map[string]effects.Value{"for": effects.String(party)}
	}
	v, err := x.c.invoke(ctx, opListPending, args)
	if err != nil {
		return nil, err
	}
	return decodeList(opListPending, v, readInvitation)
}

// Export returns a pending invitation as a shareable code ("AURA-INV2-…").
func (x *Invitations) Export(ctx context.Context, id string) (string, error) {
	v, err := x.c.invoke(ctx, opInvitationExport, map[string]effects.Value{"id": effects.String(id)})
	if err != nil {
		return "", err
	}
	return decodeString(opInvitationExport, v)
}

// Import records the invitation a code carries and returns it; importing a
// known invitation again returns it as it stands. An altered code matches
// effects.ErrInvalidSignature; one signed by a key that is not the
// sender's device key effects.ErrUnknownDevice; one for another receiver
// effects.ErrDenied.
func (x *Invitations) Import(ctx context.Context, code string) (Invitation, error) {
	v, err := x.c.invoke(ctx, opInvitationImport, map[string]effects.Value{"code": effects.String(code)})
	return x.invitation(opInvitationImport, v, err)
}

// ExportAnswer returns the receiver's signed acceptance or decline of an
// invitation as a code ("AURA-ANS1-…") for its sender.
func (x *Invitations) ExportAnswer(ctx context.Context, id string) (string, error) {
	v, err := x.c.invoke(ctx, opExportAnswer, map[string]effects.Value{"id": effects.String(id)})
	if err != nil {
		return "", err
	}
	return decodeString(opExportAnswer, v)
}

// ImportAnswer records, at the sender, the receiver's answer a code
// carries, and returns the invitation. An altered answer matches
// effects.ErrInvalidSignature; one not signed by the receiver's device
// key effects.ErrUnknownDevice; one by another party effects.ErrDenied.
func (x *Invitations) ImportAnswer(ctx context.Context, code string) (Invitation, error) {
	v, err := x.c.invoke(ctx, opImportAnswer, map[string]effects.Value{"code": effects.String(code)})
	return x.invitation(opImportAnswer, v, err)
}

// Expire journals invitation.expired for every pending invitation past its
// expiry and returns how many.
func (x *Invitations) Expire(ctx context.Context) (int, error) {
	v, err := x.c.invoke(ctx, opInvitationExpire, nil)
	if err != nil {
		return 0, err
	}
	return decodeCount(opInvitationExpire, v)
}
