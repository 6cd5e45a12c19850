// Package recovery is the built-in guardian recovery service (AURA-SPEC
// §5, RecoveryServiceApi): an account's recovery request — replace its
// commitment tree, add or remove a device, or update its guardians — is
// granted once a threshold of its guardians have approved it with their
// Ed25519 signatures before it expires. Its operations form the
// "recovery" family; New returns the plugin declaration, served by
// aura-host as `aura-host plugin serve recovery`.
//
// A request's state is Initiated (no approval yet), CollectingShares
// {collected, required}, Reconstructing (the threshold is reached and the
// grant is being journaled), Complete (the grant is journaled), or
// Failed{reason} (it expired first). Idle is the absence of a request.
//
// A guardian approves by signing ApprovalMessage(recovery_id, operation,
// account) — the bytes
//
//	"aura-recovery-approval/v1" 0x00 recovery_id 0x00 operation 0x00 account
//
// (none of the three fields may contain a NUL byte) — which the
// approval_message operation also returns, for callers that cannot import
// this package (protocols running on the VM). The service checks the
// signature with crypto.ed25519_verify against the guardian's public key
// as given at initiate.
//
// Facts journaled (type "recovery"; each fact's time is the event's time,
// expires_ms for an expiry; body fields):
//
//   - recovery.initiated {id, account, operation, guardians: [{id, public_key}], threshold, created_ms, expires_ms}
//   - recovery.approved  {recovery_id, guardian_id, signature, approved_ms}
//   - recovery.granted   {recovery_id, account, operation, approvers: [guardian ids], granted_ms}
//   - recovery.failed    {recovery_id, reason, failed_ms}
//
// Invariants a newcomer must not break:
//
//   - submit_approval checks, in this order: the request exists
//     (not_found), the guardian is one of its guardians (denied), the
//     request is still open (conflict; an expiry is journaled as
//     recovery.failed), the guardian has not approved already (conflict),
//     the signature verifies (denied). Only then is the approval journaled,
//     and only a journaled approval counts.
//   - Replayed approvals are not re-verified: the journal is the
//     authority's own record, and only this service writes approvals after
//     verifying them. Approvals naming a guardian outside the request's set
//     are ignored on replay.
//
// The package imports only sdk, effects and plugins/internal/service from
// the project.
package recovery
