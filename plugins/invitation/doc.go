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
//   - invitation.created   {id, kind, sender, receiver, created_ms, expires_ms, message?}
//   - invitation.accepted  {id, by, at_ms}
//   - invitation.declined  {id, by, at_ms}
//   - invitation.cancelled {id, by, at_ms}
//   - invitation.expired   {id, expires_ms} — recorded when an accept,
//     decline or cancel meets an invitation past its expiry; reads derive
//     the expiry from the time without journaling it.
//
// A code (export/import) is "AURA-INV1-" followed by the unpadded base32
// of the canonical encoding of the invitation's created body and a 4-byte
// checksum (the first bytes of its BLAKE3-256). The checksum catches typing
// and transmission errors; it does not authenticate the sender: a code
// proves nothing about who made it.
//
// Invariants a newcomer must not break:
//
//   - Only the receiver accepts or declines, only the sender cancels
//     (denied otherwise), checked before anything else is revealed about
//     the invitation's state. The acting party is the "as" argument: the
//     host's guard chain decides who may call the operation at all.
//   - A transition is journaled before it is applied or answered; a
//     terminal state never changes, and replay resolves competing
//     terminal facts (from merged journals) deterministically: the
//     earliest wins.
//
// The package imports only sdk, effects and plugins/internal/service from
// the project.
package invitation
