// Package auth is the built-in authentication service (AURA-SPEC §5,
// AuthServiceApi): it issues challenges — 32 random bytes that expire —
// and verifies a device's Ed25519 signature of a challenge's nonce with
// its device key. Its operations form the "auth" family; New returns the
// plugin declaration, served by aura-host as `aura-host plugin serve auth`.
//
// A challenge is single-use: the first verify of it — successful or not —
// consumes it, and a later one is a conflict. The signed message is the
// 32-byte nonce itself. Nonces come from the random effect, signatures are
// checked by crypto.ed25519_verify, and time comes from the clock effect.
//
// Facts journaled (type "auth"; each fact's time is the event's time):
//
//   - auth.challenge_issued {id, nonce, issued_ms, expires_ms}
//   - auth.authenticated    {challenge_id, method, public_key, authenticated_ms}
//   - auth.rejected         {challenge_id, method, public_key, rejected_ms}
//
// Invariants a newcomer must not break:
//
//   - A challenge verifies at most once, across restarts: consumption is
//     journaled before the answer is given, and the replay marks every
//     challenge with an authenticated or rejected fact as used.
//   - Verification is never skipped or weakened by the execution mode.
//   - This service proves possession of the private key of public_key; it
//     does not decide whether that key is one of the authority's devices.
//     The caller (or the guard chain) must check the returned public_key
//     against the authority's device list.
//
// The package imports only sdk, effects and plugins/internal/service from
// the project.
package auth
