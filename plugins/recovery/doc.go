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
// The guardian set. An account's guardians are a journaled, signed fact,
// recovery.guardians_set, made by recovery.set_guardians: the caller names
// guardian authorities and a threshold; each guardian's key is the device
// key the deployment knows for that authority (device.public_key, the
// agent's peer keys), never an argument; the account's device signs the
// set (purpose "guardian-set"). On replay only sets signed by this agent's
// own device key for this account count (the newest wins), so a set merged
// into the journal by anyone else is ignored. recovery.initiate takes no
// guardians, keys, threshold or account: the account is the caller's
// authority, and the guardians and threshold are copied from the current
// set into the request. (Establishing the set from accepted guardian
// invitations is not done yet: set_guardians does not read the invitation
// service's facts.)
//
// A guardian approves with its device: device.sign with purpose
// "recovery-approval" over ApprovalMessage(recovery_id, operation,
// account) — the bytes
//
//	"aura-recovery-approval/v1" 0x00 recovery_id 0x00 operation 0x00 account
//
// (none of the three fields may contain a NUL byte) — which the
// approval_message operation also returns, for callers that cannot import
// this package (protocols running on the VM). The service checks the
// device signature with crypto.ed25519_verify against the guardian's key
// in the request (from the guardian set); a signature that does not
// verify is invalid_signature.
//
// Facts journaled (type "recovery"; each fact's time is the event's time,
// expires_ms for an expiry; body fields):
//
//   - recovery.guardians_set {account, guardians: [{id, public_key}], threshold, set_ms, signer_key, signature}
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
//     the signature verifies (invalid_signature). Only then is the approval journaled,
//     and only a journaled approval counts.
//   - Replayed approvals are not re-verified: the journal is the
//     authority's own record, and only this service writes approvals after
//     verifying them. Approvals naming a guardian outside the request's set
//     are ignored on replay.
//
// The package imports only sdk, effects and plugins/internal/service from
// the project.
package recovery
