package recovery

import (
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, and the family of its operations and facts.
const Name = "recovery"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// The recovery operations a request may ask for.
const (
	OperationReplaceTree     = "replace_tree"
	OperationAddDevice       = "add_device"
	OperationRemoveDevice    = "remove_device"
	OperationUpdateGuardians = "update_guardians"
)

// The states of a request.
const (
	StateInitiated        = "initiated"
	StateCollectingShares = "collecting_shares"
	StateReconstructing   = "reconstructing"
	StateComplete         = "complete"
	StateFailed           = "failed"
)

// ReasonExpired is the reason of a request that expired before its
// threshold of approvals.
const ReasonExpired = "expired"

// The predicates of the facts the service journals.
const (
	PredicateInitiated = "recovery.initiated"
	PredicateApproved  = "recovery.approved"
	PredicateGranted   = "recovery.granted"
	PredicateFailed    = "recovery.failed"
	// PredicateGuardiansSet records the account's guardian set.
	PredicateGuardiansSet = "recovery.guardians_set"
)

// New returns the recovery service plugin, ready to Serve.
func New() *sdk.Plugin {
	s := &recoveries{byID: map[string]*request{}}
	s.rt = service.New(service.Config{Name: Name, Rebuild: s.rebuild, Started: s.finishGrants})
	return s.rt.Plugin(Version, s.operations())
}

const stateDoc = "a state map {state: string (initiated | collecting_shares | reconstructing | complete | failed), " +
	"collected: int (approvals so far), required: int (the threshold), reason: string (when failed)}"

const requestDoc = "a request map {id: string (\"recovery-\" and 32 hex digits), account, operation, guardians: list of " +
	"{id, public_key}, threshold: int, created_ms: int, expires_ms: int, approvals: list of the guardian ids that " +
	"approved, oldest first, state: " + stateDoc + "}"

func (s *recoveries) operations() []sdk.Operation {
	operationDoc := `what the recovery does: "replace_tree", "add_device", "remove_device" or "update_guardians"`
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: effects.RecoveryInitiate,
				Doc: "Opens a recovery request of the caller's authority (the account) and journals recovery.initiated. " +
					"Its guardians, their keys and the threshold are the account's journaled guardian set " +
					"(recovery.set_guardians), never arguments. Returns " + requestDoc + ". An unknown operation or a " +
					"ttl_ms below 1 is invalid_args; an account without a guardian set is a conflict.",
				Params: []sdk.Param{
					{Name: "operation", Kind: sdk.KindString, Doc: operationDoc},
					{Name: "ttl_ms", Kind: sdk.KindInt, Doc: "milliseconds until the request expires, 1 or more"},
				},
				Result:      sdk.KindMap,
				Determinism: sdk.WritesWorld,
			},
			Handle: s.rt.Op(s.initiate),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.RecoverySubmitApproval,
				Doc: "Records a guardian's approval: the guardian must be one of the request's (else denied), the request " +
					"open (else conflict; an expiry is journaled as recovery.failed), the guardian not have approved already " +
					"(else conflict), and signature verify as the guardian's device signature (purpose \"recovery-approval\") " +
					"of the approval message under the key of the guardian set (else invalid_signature). Journals " +
					"recovery.approved, and recovery.granted when the threshold is reached. Returns " +
					stateDoc + ", with approval_fact_id, and grant_fact_id once complete.",
				Params: []sdk.Param{
					{Name: "recovery_id", Kind: sdk.KindString, Doc: "the request's id"},
					{Name: "guardian_id", Kind: sdk.KindString, Doc: "the approving guardian's authority id, one of the request's guardians"},
					{Name: "signature", Kind: sdk.KindBytes, Doc: "the guardian's device signature (device.sign, purpose \"recovery-approval\", 64 bytes) of approval_message(recovery_id, operation, account)"},
				},
				Result:      sdk.KindMap,
				Determinism: sdk.WritesWorld,
			},
			Handle: s.rt.Op(s.submitApproval),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.RecoverySetGuardians,
				Doc: "Establishes the caller's authority's guardian set: journals recovery.guardians_set {account, " +
					"guardians: [{id, public_key}], threshold, set_ms, signer_key, signature}, signed by the agent's device " +
					"(purpose \"guardian-set\"). Each guardian's key is the device key the deployment knows for that " +
					"authority (device.public_key), never an argument. Returns {account, guardians, threshold, set_ms, " +
					"fact_id}. A guardian with no known key is unknown_device; no guardians, a repeated guardian, the " +
					"account itself, or a threshold outside 1..len(guardians) is invalid_args.",
				Params: []sdk.Param{
					{Name: "guardians", Kind: sdk.KindList, Doc: "the guardian authorities: a list of authority ids (\"authority-…\"), distinct"},
					{Name: "threshold", Kind: sdk.KindInt, Doc: "how many distinct guardians must approve a recovery, 1 to len(guardians)"},
				},
				Result:      sdk.KindMap,
				Determinism: sdk.WritesWorld,
			},
			Handle: s.rt.Op(s.setGuardians),
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.RecoveryGuardians,
				Doc:         "Returns the current guardian set {account, guardians: [{id, public_key}], threshold, set_ms}; none is not_found.",
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.rt.Op(s.guardians),
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.RecoveryGet,
				Doc:         "Returns " + requestDoc + ". An unknown request is not_found.",
				Params:      []sdk.Param{{Name: "id", Kind: sdk.KindString, Doc: "the request's id"}},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.rt.Op(s.get),
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.RecoveryList,
				Doc:         "Returns every known request (list of request maps as get returns them), oldest first.",
				Result:      sdk.KindList,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.rt.Op(s.list),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.RecoveryApprovalMessage,
				Doc: "Returns the bytes a guardian signs to approve a request: \"aura-recovery-approval/v1\" 0x00 " +
					"recovery_id 0x00 operation 0x00 account. A field containing a NUL byte, or an unknown operation, is invalid_args.",
				Params: []sdk.Param{
					{Name: "recovery_id", Kind: sdk.KindString, Doc: "the request's id"},
					{Name: "operation", Kind: sdk.KindString, Doc: operationDoc},
					{Name: "account", Kind: sdk.KindString, Doc: "the account being recovered"},
				},
				Result:      sdk.KindBytes,
				Idempotent:  true,
				Determinism: sdk.Pure,
			},
			Handle: approvalMessage,
		},
	}
}
