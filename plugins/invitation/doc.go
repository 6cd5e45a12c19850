// Package invitation is the built-in invitation service (AURA-SPEC §5,
// InvitationServiceApi): invitations to become a guardian, a contact, a
// member of a channel, or an enrolled device, their answers, and their
// export and import as shareable codes. Its operations form the
// "invitation" family; New returns the plugin declaration, served by
// aura-host as `aura-host plugin serve invitation`.
//
// An invitation is Pending until it is accepted or declined by its
// receiver, cancelled by its sender, or expires when the clock reaches its
// expires_ms. Those four states are terminal and immutable.
//
// Facts journaled (type "invitation"; each fact's time is the event's time,
// created_ms for a creation and expires_ms for an expiry; body fields):
//
//   - invitation.created   {id, kind, sender, receiver, created_ms, expires_ms, nonce, sender_key, message?, signature}
//   - invitation.accepted  {id, by, at_ms, key, signature}
//   - invitation.declined  {id, by, at_ms, key, signature}
//   - invitation.cancelled {id, by, at_ms, key, signature}
//   - invitation.expired   {id, expires_ms} — recorded when an accept,
//     decline or cancel meets an invitation past its expiry, and for every
//     such invitation by invitation.expire (which the runtime's
//     maintenance service runs periodically); reads derive the expiry
//     from the time without journaling it.
//
// Parties are authorities: the sender is the caller's authority at invite
// (call.Authority, set and enforced by the host's Router), the receiver an
// authority id, and whoever accepts, declines or cancels is the caller's
// authority too. No operation takes its acting party from an argument.
//
// Signatures. The sender's device signs the created body without its
// signature — every other field, nonce and sender_key included — in
// effects' canonical encoding, through the host-owned device.sign with
// purpose "invitation" (so the private key never reaches this plugin, and
// the signature cannot be replayed for another purpose). An answer is
// signed by the answering party's device over {id, by, at_ms, status,
// key} with purpose "invitation-answer". Replay skips facts whose
// signatures do not verify.
//
// A code (export/import) is "AURA-INV2-" followed by the unpadded base32
// of the canonical encoding of the created body (signature included) and
// a 4-byte checksum (the first bytes of its BLAKE3-256), which catches
// typing errors only. Import checks, in order: the code decodes; the
// signature verifies over the body under sender_key (else
// invalid_signature: altered or re-encoded); sender_key is the device key
// the deployment knows for the sender authority — the trust anchor is the
// agent's peer keys, answered by device.public_key (else unknown_device);
// the receiver is the importing authority (else denied); it has not
// expired (else conflict). A refused code journals nothing.
//
// The answer travels back the same way: export_answer gives the receiver's
// signed acceptance or decline as an "AURA-ANS1-" code, and import_answer
// records it at the sender after checking that it is by the receiver
// (denied), that its signature verifies (invalid_signature) under the
// device key the deployment knows for the receiver (unknown_device), and
// that it was given while the invitation was pending (conflict).
//
// Invariants a newcomer must not break:
//
//   - Only the receiver accepts or declines, only the sender cancels
//     (denied otherwise), checked before anything else is revealed about
//     the invitation's state. The acting party is the caller's authority.
//   - A transition is journaled before it is applied or answered; a
//     terminal state never changes, and replay resolves competing
//     terminal facts (from merged journals) deterministically: the
//     earliest wins.
//
// The package imports only sdk, effects and plugins/internal/service from
// the project.
package invitation
