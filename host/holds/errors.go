package holds

import (
	"errors"

	"github.com/aurahost/aura-host/effects"
)

// Refusal is why a holder refused a request, as it travels back to the
// requester in a message. Each has a sentinel error (refusalError).
type Refusal string

// The refusals.
const (
	// RefusedExpired: the capability's expiry passed (code conflict).
	RefusedExpired Refusal = "capability_expired"
	// RefusedSuperseded: the holder issued a newer capability to the
	// recipient since (code conflict).
	RefusedSuperseded Refusal = "capability_superseded"
	// RefusedNotRecipient: the requester is not the recipient the
	// capability or the deposit names (code denied).
	RefusedNotRecipient Refusal = "not_recipient"
	// RefusedBadCapability: not a capability this holder issued (code
	// invalid_signature).
	RefusedBadCapability Refusal = "bad_capability"
	// RefusedUnknown: the holder holds no such deposit (code not_found).
	RefusedUnknown Refusal = "unknown_deposit"
	// RefusedFull: the holder holds its most, for this depositor or in
	// all (code exhausted).
	RefusedFull Refusal = "holder_full"
	// RefusedBadEnvelope: the sealed envelope is malformed, expired, or
	// not signed by the depositor who sent it (code invalid_signature).
	RefusedBadEnvelope Refusal = "bad_envelope"
)

var (
	// ErrCapabilityExpired is a retrieval with a capability past its
	// expiry: ask the holder for a fresh one (hold.retrieve does).
	ErrCapabilityExpired = errors.New("holds: capability expired")
	// ErrCapabilitySuperseded is a retrieval with a capability the holder
	// has rotated since: use the newest one it issued.
	ErrCapabilitySuperseded = errors.New("holds: capability superseded by a newer one")
	// ErrNotRecipient is a retrieval by someone other than the recipient.
	ErrNotRecipient = errors.New("holds: only the envelope's recipient may retrieve it")
	// ErrBadCapability is a capability this holder did not issue.
	ErrBadCapability = errors.New("holds: not a capability this holder issued")
	// ErrUnknownDeposit is a deposit id nobody here knows.
	ErrUnknownDeposit = errors.New("holds: unknown deposit")
	// ErrHolderFull is a deposit refused because the holder holds its
	// most.
	ErrHolderFull = errors.New("holds: holder full")
	// ErrBadEnvelope is a sealed envelope that does not verify: tampered,
	// re-signed, expired or addressed to someone else.
	ErrBadEnvelope = errors.New("holds: sealed envelope does not verify")
	// ErrQueueFull is a message refused because the peer's movement queue
	// is full: the queue never grows past its bound.
	ErrQueueFull = errors.New("holds: movement queue full")
	// ErrReplay is a message id seen within the replay window (or older
	// than the window): dropped.
	ErrReplay = errors.New("holds: replayed or stale message")
	// ErrBadWitness is a witness whose signature is not the recipient's,
	// or that names a deposit or holder it may not.
	ErrBadWitness = errors.New("holds: witness does not verify")
	// ErrNoHolders is a deposit with no peer to hold it.
	ErrNoHolders = errors.New("holds: no holder available")
)

// refusalError is the typed error of a refusal.
func refusalError(r Refusal, detail string) *effects.Error {
	code, sentinel := effects.CodeInternal, errors.New("holds: "+string(r))
	switch r {
	case RefusedExpired:
		code, sentinel = effects.CodeConflict, ErrCapabilityExpired
	case RefusedSuperseded:
		code, sentinel = effects.CodeConflict, ErrCapabilitySuperseded
	case RefusedNotRecipient:
		code, sentinel = effects.CodeDenied, ErrNotRecipient
	case RefusedBadCapability:
		code, sentinel = effects.CodeInvalidSignature, ErrBadCapability
	case RefusedUnknown:
		code, sentinel = effects.CodeNotFound, ErrUnknownDeposit
	case RefusedFull:
		code, sentinel = effects.CodeExhausted, ErrHolderFull
	case RefusedBadEnvelope:
		code, sentinel = effects.CodeInvalidSignature, ErrBadEnvelope
	}
	msg := sentinel.Error()
	if detail != "" {
		msg += ": " + detail
	}
	if hint := refusalHints[r]; hint != "" {
		msg += " (" + hint + ")"
	}
	return &effects.Error{Code: code, Message: msg, Err: sentinel}
}

// refusalHints say what to do about each refusal.
var refusalHints = map[Refusal]string{
	RefusedExpired:       "ask the holder for a fresh capability: hold.retrieve does, and the service does at half its TTL",
	RefusedSuperseded:    "use the newest capability the holder issued: hold.retrieve asks for it",
	RefusedNotRecipient:  "only the envelope's recipient may retrieve it, with a capability the holder issued to it",
	RefusedBadCapability: "ask the holder for a capability: hold.retrieve",
	RefusedUnknown:       "the holder no longer holds it (retrieved and expired, or never deposited)",
	RefusedFull:          "the holder is at its bound: deposit with other holders, or wait for retention to free room",
	RefusedBadEnvelope:   "the envelope was altered or is not its depositor's: rely on another holder's copy",
}
