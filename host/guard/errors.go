package guard

import (
	"errors"
	"fmt"

	"github.com/aurahost/aura-host/effects"
)

// Sentinels. Every error this package returns is an *effects.Error whose
// code says what the caller may do (denied, exhausted, conflict, internal)
// and whose chain holds one of these, so callers match either way:
// errors.Is(err, effects.ErrDenied) or errors.Is(err, guard.ErrNonceReused).
var (
	// ErrBudgetExhausted: a charge would take spent past the limit, or there
	// is no budget at all for the (context, peer).
	ErrBudgetExhausted = errors.New("flow budget exhausted")
	// ErrMalformedReceipt: bytes that are not exactly one encoded receipt.
	ErrMalformedReceipt = errors.New("malformed receipt")
	// ErrUnknownVersion: a receipt transcript version this code cannot check.
	ErrUnknownVersion = errors.New("unknown receipt transcript version")
	// ErrBadSignature: the receipt's signature does not verify under the
	// source authority's key.
	ErrBadSignature = errors.New("receipt signature does not verify")
	// ErrNonceReused: a receipt whose nonce was already accepted on its chain
	// (a replay).
	ErrNonceReused = errors.New("receipt nonce reused")
	// ErrNonceRegressed: a receipt whose nonce is lower than the last one
	// accepted on its chain in the same epoch.
	ErrNonceRegressed = errors.New("receipt nonce lower than the last accepted")
	// ErrBrokenChain: a receipt whose prev is not the hash of the last
	// receipt accepted on its chain in the same epoch (or not zero for the
	// first receipt of an epoch).
	ErrBrokenChain = errors.New("receipt does not chain to the last accepted receipt")
	// ErrStaleEpoch: a receipt (or an issue request) for an epoch older than
	// the chain's; an epoch change invalidates the receipts before it.
	ErrStaleEpoch = errors.New("receipt epoch is older than the chain's")
	// ErrMissingReceipt: an envelope without a receipt reached a gate that
	// requires one.
	ErrMissingReceipt = errors.New("envelope carries no receipt")
	// ErrReceiptMismatch: the receipt names another context, source or
	// destination than its envelope, or does not pay for the payload.
	ErrReceiptMismatch = errors.New("receipt does not match its envelope")
	// ErrPayloadTooLarge: an envelope payload over MaxPayload.
	ErrPayloadTooLarge = errors.New("envelope payload too large")
	// ErrCorruptRecord: a stored budget or chain record does not decode.
	ErrCorruptRecord = errors.New("corrupt guard record in store")
)

// fail wraps a sentinel in an *effects.Error with the given code and a
// message that adds the specifics.
func fail(code effects.Code, sentinel error, format string, args ...any) *effects.Error {
	return &effects.Error{Code: code, Message: fmt.Sprintf(format, args...), Err: sentinel}
}

// Guard names, as they appear in a Denial.
const (
	GuardCapability      = "capability"
	GuardFlowBudget      = "flow_budget"
	GuardJournalCoupling = "journal_coupling"
	GuardLeakage         = "leakage"
)

// Denial is the typed refusal of the guard chain: which guard stopped the
// operation and why. A flow-budget denial has code exhausted, every other
// denial code denied. It is an error itself, matches effects.ErrDenied or
// effects.ErrExhausted with errors.Is, and converts to the *effects.Error
// that crosses the wire with EffectError.
type Denial struct {
	Guard  string
	Reason string
	Code   effects.Code // effects.CodeDenied or effects.CodeExhausted
	Op     effects.OpID
}

func (d *Denial) Error() string {
	return fmt.Sprintf("%s: %s guard: %s: %s", d.Op, d.Guard, d.Code, d.Reason)
}

// Is matches the effects code sentinels (effects.ErrDenied,
// effects.ErrExhausted) and, for exhausted denials, ErrBudgetExhausted.
func (d *Denial) Is(target error) bool {
	if target == ErrBudgetExhausted {
		return d.Code == effects.CodeExhausted
	}
	t, ok := target.(*effects.Error)
	return ok && t.Op == "" && t.Plugin == "" && t.Message == "" && t.Err == nil && t.Code == d.Code
}

// EffectError converts the denial to the *effects.Error a router returns.
// The denial stays in its chain (errors.As finds it).
func (d *Denial) EffectError() *effects.Error {
	return &effects.Error{Code: d.Code, Op: d.Op, Message: d.Guard + " guard: " + d.Reason, Err: d}
}
