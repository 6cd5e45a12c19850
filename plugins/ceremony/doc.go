// Package ceremony is the built-in guardian ceremony tracker (the seed's
// ceremony tracker): an account proposes a ceremony over guardian
// invitations it sent, with a threshold; the ceremony collects the
// invitees' acceptances; once the threshold of verified acceptances is
// reached it completes — committing the pending key rotation it names (a
// FROST resharing's new key, crypto.frost_dkg_commit) — and a ceremony
// that expires, is cancelled, or can no longer reach its threshold (too
// many declined) rolls the rotation back (crypto.frost_dkg_abort: the old
// epoch's key stays active). Its operations form the "ceremony" family;
// New returns the plugin declaration, served by aura-host as `aura-host
// plugin serve ceremony`.
//
// States: proposed (no acceptance yet), collecting {accepted, required},
// completed, rolled_back {reason: expired | cancelled | unreachable}.
// The last two are terminal. ceremony.advance moves a ceremony: it is
// run by whoever waits for it (the account's protocol, or a periodic job).
//
// Why a plugin and not a host-owned service: a ceremony needs only the
// journal, the clock, the device family's keys and the crypto plugin's
// held keys, all reached through the host callback and so through the
// agent's guard chain; it needs to see no routed call and no guard state.
//
// Acceptances are verified here, not taken from the invitation service's
// state: an invitation counts only if its invitation.created fact is
// signed by this agent's own device key (purpose "invitation"), is a
// guardian invitation sent by the account, and an acceptance counts only
// if its answer is signed (purpose "invitation-answer") by the receiver
// with the device key the deployment knows for it (device.public_key),
// given before the invitation and the ceremony expired. When merged
// journals hold several answers, the earliest verified one wins, as the
// invitation service decides. So a sync peer that merges a forged
// acceptance into the journal cannot complete a ceremony.
//
// Facts journaled (type "ceremony"; body fields):
//
//   - ceremony.proposed    {id, account, invitations: [ids], guardians: [authority ids], threshold, created_ms, expires_ms, rotation?}
//   - ceremony.completed   {id, accepted: [guardian authority ids], completed_ms}
//   - ceremony.rolled_back {id, reason, at_ms}
//
// Invariants a newcomer must not break:
//
//   - The key rotation is committed before ceremony.completed is
//     journaled and aborted before ceremony.rolled_back is: both calls are
//     idempotent, so a failure between the two is repaired by the next
//     advance or cancel, and a journaled outcome always matches the key.
//   - Only the account (the caller's authority that proposed it) cancels
//     or advances its ceremonies; a terminal ceremony never changes.
//
// The package imports only sdk, effects and plugins/internal/service from
// the project.
package ceremony
