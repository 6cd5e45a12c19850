package facade

import (
	"context"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// Recovery is the client of the guardian recovery service: the account
// (the caller's authority) journals its guardian set — guardian
// authorities, whose keys the deployment knows, and a threshold — signed by
// its device; a request copies the set; each guardian approves by signing
// the approval message with its device (Device.Sign, purpose
// effects.PurposeRecoveryApproval); at the threshold the recovery is
// granted. Approvals and the grant are journaled.
type Recovery struct{ c caller }

// RecoveryOperation is what a recovery does.
type RecoveryOperation string

// The recovery operations.
const (
	RecoveryReplaceTree     RecoveryOperation = "replace_tree"
	RecoveryAddDevice       RecoveryOperation = "add_device"
	RecoveryRemoveDevice    RecoveryOperation = "remove_device"
	RecoveryUpdateGuardians RecoveryOperation = "update_guardians"
)

// RecoveryPhase is where a request stands.
type RecoveryPhase string

// The recovery phases (AURA-SPEC's RecoveryState variants; the service has
// no Idle: a request exists from Initiated on).
const (
	RecoveryInitiated        RecoveryPhase = "initiated"
	RecoveryCollectingShares RecoveryPhase = "collecting_shares"
	RecoveryReconstructing   RecoveryPhase = "reconstructing"
	RecoveryComplete         RecoveryPhase = "complete"
	RecoveryFailed           RecoveryPhase = "failed"
)

var (
	opRecoveryInitiate = declare("Recovery.Initiate", effects.RecoveryInitiate, effects.KindMap,
		arg("operation", effects.KindString), arg("ttl_ms", effects.KindInt))
	opSetGuardians = declare("Recovery.SetGuardians", effects.RecoverySetGuardians, effects.KindMap,
		arg("guardians", effects.KindList), arg("threshold", effects.KindInt))
	opGuardians      = declare("Recovery.Guardians", effects.RecoveryGuardians, effects.KindMap)
	opSubmitApproval = declare("Recovery.SubmitApproval", effects.RecoverySubmitApproval, effects.KindMap,
		arg("recovery_id", effects.KindString), arg("guardian_id", effects.KindString), arg("signature", effects.KindBytes))
	opRecoveryGet     = declare("Recovery.Get", effects.RecoveryGet, effects.KindMap, arg("id", effects.KindString))
	opRecoveryList    = declare("Recovery.List", effects.RecoveryList, effects.KindList)
	opApprovalMessage = declare("Recovery.ApprovalMessage", effects.RecoveryApprovalMessage, effects.KindBytes,
		arg("recovery_id", effects.KindString), arg("operation", effects.KindString), arg("account", effects.KindString))
)

// Guardian is a guardian who may approve a recovery.
type Guardian struct {
	ID        string // the guardian's authority id
	PublicKey []byte // the guardian's 32-byte Ed25519 device key, as the deployment knows it
}

// GuardianSet is an account's journaled guardian set.
type GuardianSet struct {
	Account   string     // the account the set guards
	Guardians []Guardian // who may approve
	Threshold int        // distinct approvals needed
	SetMs     int64      // when it was set
	FactID    []byte     // the recovery.guardians_set fact (SetGuardians only)
}

func readGuardianSet(r reader) GuardianSet {
	return GuardianSet{Account: r.str("account"), Guardians: records(r, "guardians", func(g reader) Guardian {
		return Guardian{ID: g.str("id"), PublicKey: g.bytesN("public_key", PublicKeySize)}
	}), Threshold: int(r.int("threshold")), SetMs: r.int("set_ms"), FactID: r.optBytes("fact_id")}
}

// RecoveryParams asks for a recovery of the caller's authority, by its
// current guardian set.
type RecoveryParams struct {
	Operation RecoveryOperation // what the recovery does
	TTL       time.Duration     // until the request expires; rounded up to whole ms, at least 1 ms
}

// RecoveryState is where a request stands and how many approvals it has.
type RecoveryState struct {
	Phase     RecoveryPhase // the service's "state" field
	Collected int           // approvals so far
	Required  int           // the threshold
	Reason    string        // why, when failed
}

func readRecoveryState(r reader) RecoveryState {
	return RecoveryState{Phase: RecoveryPhase(r.str("state")), Collected: int(r.int("collected")),
		Required: int(r.int("required")), Reason: r.optStr("reason")}
}

// RecoveryRequest is a recovery request as the service reports it.
type RecoveryRequest struct {
	ID        string            // "recovery-" and 32 hex digits
	Account   string            // the account recovered
	Operation RecoveryOperation // what the recovery does
	Guardians []Guardian        // who may approve
	Threshold int               // distinct approvals needed
	CreatedMs int64             // when it was opened, in the service clock's milliseconds
	ExpiresMs int64             // when it fails unless granted before
	Approvals []string          // the guardians that approved, oldest first
	State     RecoveryState     // where it stands now
}

func readRecoveryRequest(r reader) RecoveryRequest {
	return RecoveryRequest{
		ID: r.str("id"), Account: r.str("account"), Operation: RecoveryOperation(r.str("operation")),
		Guardians: records(r, "guardians", func(g reader) Guardian {
			return Guardian{ID: g.str("id"), PublicKey: g.bytesN("public_key", PublicKeySize)}
		}),
		Threshold: int(r.int("threshold")), CreatedMs: r.int("created_ms"), ExpiresMs: r.int("expires_ms"),
		Approvals: r.strings("approvals"), State: readRecoveryState(r.record("state")),
	}
}

// GuardianApproval is a guardian's approval of a request: Signature is
// the guardian's device signature (Device.Sign with purpose
// effects.PurposeRecoveryApproval) of ApprovalMessage.
type GuardianApproval struct {
	RecoveryID string // the request approved
	GuardianID string // the approving guardian's authority id, one of the request's
	Signature  []byte // the guardian's 64-byte device signature of the approval message
}

// RecoveryResult is the outcome of an approval.
type RecoveryResult struct {
	State          RecoveryState // where the request stands after the approval
	ApprovalFactID []byte        // the recovery.approved fact
	GrantFactID    []byte        // the recovery.granted fact, once complete; nil before
}

// SetGuardians journals the caller's guardian set: guardian authority ids
// and the threshold. Each guardian's key comes from the deployment; one
// with no known key matches effects.ErrUnknownDevice.
func (x *Recovery) SetGuardians(ctx context.Context, guardians []string, threshold int) (GuardianSet, error) {
	ids := make([]effects.Value, len(guardians))
	for i, g := range guardians {
		ids[i] = effects.String(g)
	}
	v, err := x.c.invoke(ctx, opSetGuardians, map[string]effects.Value{
		"guardians": effects.List(ids...), "threshold": effects.Int(int64(threshold)),
	})
	if err != nil {
		return GuardianSet{}, err
	}
	return decodeRecord(opSetGuardians, v, readGuardianSet)
}

// Guardians returns the caller's current guardian set; none matches
// effects.ErrNotFound.
func (x *Recovery) Guardians(ctx context.Context) (GuardianSet, error) {
	v, err := x.c.invoke(ctx, opGuardians, nil)
	if err != nil {
		return GuardianSet{}, err
	}
	return decodeRecord(opGuardians, v, readGuardianSet)
}

// Initiate opens a recovery request of the caller's authority, guarded by
// its current guardian set (none: effects.ErrConflict).
func (x *Recovery) Initiate(ctx context.Context, p RecoveryParams) (RecoveryRequest, error) {
	v, err := x.c.invoke(ctx, opRecoveryInitiate, map[string]effects.Value{
		"operation": effects.String(string(p.Operation)), "ttl_ms": effects.Int(millis(p.TTL)),
	})
	if err != nil {
		return RecoveryRequest{}, err
	}
	return decodeRecord(opRecoveryInitiate, v, readRecoveryRequest)
}

// SubmitApproval records a guardian's approval. A guardian not of the
// request matches effects.ErrDenied; a signature that does not verify
// under the guardian's key, effects.ErrInvalidSignature; a duplicate
// approval, or a request no longer open, effects.ErrConflict.
func (x *Recovery) SubmitApproval(ctx context.Context, a GuardianApproval) (RecoveryResult, error) {
	v, err := x.c.invoke(ctx, opSubmitApproval, map[string]effects.Value{
		"recovery_id": effects.String(a.RecoveryID), "guardian_id": effects.String(a.GuardianID), "signature": effects.Bytes(a.Signature),
	})
	if err != nil {
		return RecoveryResult{}, err
	}
	return decodeRecord(opSubmitApproval, v, func(r reader) RecoveryResult {
		return RecoveryResult{State: readRecoveryState(r), ApprovalFactID: r.bytes("approval_fact_id"), GrantFactID: r.optBytes("grant_fact_id")}
	})
}

// Get returns a request; an unknown one is an error matching
// effects.ErrNotFound.
func (x *Recovery) Get(ctx context.Context, id string) (RecoveryRequest, error) {
	v, err := x.c.invoke(ctx, opRecoveryGet, map[string]effects.Value{"id": effects.String(id)})
	if err != nil {
		return RecoveryRequest{}, err
	}
	return decodeRecord(opRecoveryGet, v, readRecoveryRequest)
}

// List returns every known request, oldest first.
func (x *Recovery) List(ctx context.Context) ([]RecoveryRequest, error) {
	v, err := x.c.invoke(ctx, opRecoveryList, nil)
	if err != nil {
		return nil, err
	}
	return decodeList(opRecoveryList, v, readRecoveryRequest)
}

// ApprovalMessage returns the bytes a guardian signs to approve recovery
// recoveryID of account.
func (x *Recovery) ApprovalMessage(ctx context.Context, recoveryID string, op RecoveryOperation, account string) ([]byte, error) {
	v, err := x.c.invoke(ctx, opApprovalMessage, map[string]effects.Value{
		"recovery_id": effects.String(recoveryID), "operation": effects.String(string(op)), "account": effects.String(account),
	})
	if err != nil {
		return nil, err
	}
	return decodeBytes(opApprovalMessage, v, -1)
}
