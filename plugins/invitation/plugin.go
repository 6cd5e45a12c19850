package invitation

import (
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, and the family of its operations and facts.
const Name = "invitation"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// The kinds of invitation.
const (
	KindGuardian = "guardian"
	KindContact  = "contact"
	KindChannel  = "channel"
	KindDevice   = "device"
)

// The statuses of an invitation.
const (
	StatusPending   = "pending"
	StatusAccepted  = "accepted"
	StatusDeclined  = "declined"
	StatusCancelled = "cancelled"
	StatusExpired   = "expired"
)

// The predicates of the facts the service journals.
const (
	PredicateCreated   = "invitation.created"
	PredicateAccepted  = "invitation.accepted"
	PredicateDeclined  = "invitation.declined"
	PredicateCancelled = "invitation.cancelled"
	PredicateExpired   = "invitation.expired"
)

// MaxMessageBytes bounds an invitation's message.
const MaxMessageBytes = 4096

// New returns the invitation service plugin, ready to Serve.
func New() *sdk.Plugin {
	s := &invitations{byID: map[string]*record{}}
	s.rt = service.New(service.Config{Name: Name, Rebuild: s.rebuild})
	return s.rt.Plugin(Version, s.operations())
}

const invitationDoc = "an invitation: map {id: string (\"invitation-\" and 32 hex digits), kind, sender and receiver " +
	"(authority ids), " +
	"status (pending | accepted | declined | cancelled | expired), created_ms: int, expires_ms: int, message " +
	"(if one was given), settled_by and settled_ms (once accepted, declined or cancelled)}"

func (s *invitations) operations() []sdk.Operation {
	idParam := sdk.Param{Name: "id", Kind: sdk.KindString, Doc: "the invitation's id"}
	transition := func(op sdk.OpID, verb, who, pred string) sdk.OpSpec {
		return sdk.OpSpec{
			ID: op,
			Doc: "The invitation's " + who + " " + verb + " it: the acting party is the caller's authority, never an " +
				"argument. Journals " + pred + " {id, by, at_ms, key, signature} — signed by the caller's device key — and " +
				"returns the invitation (status now terminal) with fact_id, the id of that fact. An unknown invitation is " +
				"not_found; a caller whose authority is not the " + who + " is denied; an invitation already accepted, " +
				"declined, cancelled or expired is a conflict.",
			Params:      []sdk.Param{idParam},
			Result:      sdk.KindMap,
			Determinism: sdk.WritesWorld,
		}
	}
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: effects.InvitationInvite,
				Doc: "Creates a pending invitation from the caller's authority (the sender), signed by the caller's device " +
					"key (device.sign, purpose \"invitation\") over its canonical body, and journals invitation.created. " +
					"Returns " + invitationDoc + ", with fact_id, the id of that fact.",
				Params: []sdk.Param{
					{Name: "kind", Kind: sdk.KindString, Doc: `what the receiver is invited to be: "guardian", "contact", "channel" (a member of one) or "device" (an enrolled device)`},
					{Name: "receiver", Kind: sdk.KindString, Doc: "the authority invited (\"authority-…\"), not the caller's"},
					{Name: "ttl_ms", Kind: sdk.KindInt, Doc: "milliseconds until the invitation expires, 1 or more"},
					{Name: "message", Kind: sdk.KindString, Optional: true, Doc: "a note to the receiver, at most 4096 bytes"},
				},
				Result:      sdk.KindMap,
				Determinism: sdk.WritesWorld,
			},
			Handle: s.rt.Op(s.invite),
		},
		{Spec: transition(effects.InvitationAccept, "accepts", "receiver", PredicateAccepted), Handle: s.rt.Op(s.transition(StatusAccepted))},
		{Spec: transition(effects.InvitationDecline, "declines", "receiver", PredicateDeclined), Handle: s.rt.Op(s.transition(StatusDeclined))},
		{Spec: transition(effects.InvitationCancel, "cancels", "sender", PredicateCancelled), Handle: s.rt.Op(s.transition(StatusCancelled))},
		{
			Spec: sdk.OpSpec{
				ID:          effects.InvitationGet,
				Doc:         "Returns " + invitationDoc + ". An unknown invitation is not_found.",
				Params:      []sdk.Param{idParam},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.rt.Op(s.get),
		},
		{
			Spec: sdk.OpSpec{
				ID:  effects.InvitationListPending,
				Doc: "Returns the pending invitations (list, oldest first), or only those whose sender or receiver is for.",
				Params: []sdk.Param{{Name: "for", Kind: sdk.KindString, Optional: true,
					Doc: "list only invitations sent by or to this authority; default: all"}},
				Result:      sdk.KindList,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.rt.Op(s.listPending),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.InvitationExport,
				Doc: "Returns a pending invitation as a shareable code (string): \"AURA-INV2-\" and base32 of the " +
					"canonical encoding of its signed body and signature, and a checksum. An unknown invitation is not_found; " +
					"one no longer pending is a conflict.",
				Params:      []sdk.Param{idParam},
				Result:      sdk.KindString,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.rt.Op(s.export),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.InvitationImport,
				Doc: "Records the invitation a code carries (journaling invitation.created) and returns it. Importing a " +
					"known invitation again returns it as it stands. A malformed code or a wrong checksum is invalid_args; " +
					"a signature that does not verify over the body (an altered or re-encoded code) is invalid_signature; " +
					"a signing key that is not the device key the deployment knows for the sender is unknown_device; an " +
					"invitation for another authority than the caller's is denied; an expired invitation, or a code " +
					"whose id names a different known invitation, is a conflict. A refused code changes nothing.",
				Params:      []sdk.Param{{Name: "code", Kind: sdk.KindString, Doc: "a code invitation.export returned"}},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: s.rt.Op(s.importCode),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.InvitationExportAnswer,
				Doc: "Returns the signed answer (acceptance or decline) that settled an invitation, as a code for its " +
					"sender: \"AURA-ANS1-\" and base32 of the canonical encoding of {id, by, at_ms, key, signature, status} " +
					"and a checksum. An unknown invitation is not_found; one not accepted or declined is a conflict.",
				Params:      []sdk.Param{idParam},
				Result:      sdk.KindString,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.rt.Op(s.exportAnswer),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.InvitationImportAnswer,
				Doc: "Records at the sender the receiver's answer a code carries (journaling invitation.accepted or " +
					"invitation.declined) and returns the invitation. The invitation must be known (else not_found), the " +
					"answer be by its receiver (else denied), its signature verify (else invalid_signature) under the " +
					"device key the deployment knows for the receiver (else unknown_device), and it must have been given " +
					"before the invitation expired and while it was pending (else conflict). Importing it again returns " +
					"the invitation as it stands. A refused code changes nothing.",
				Params:      []sdk.Param{{Name: "code", Kind: sdk.KindString, Doc: "a code invitation.export_answer returned"}},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: s.rt.Op(s.importAnswer),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.InvitationExpire,
				Doc: "Journals invitation.expired for every pending invitation whose expiry has passed, oldest first, " +
					"and returns how many (int). Reads already show such an invitation as expired; this records it, " +
					"as the runtime's maintenance service does periodically.",
				Result:      sdk.KindInt,
				Idempotent:  true, // a retry finds nothing more to expire
				Determinism: sdk.WritesWorld,
			},
			Handle: s.rt.Op(s.expire),
		},
	}
}
