// Package auth is the built-in authentication service (AURA-SPEC §5,
// AuthServiceApi): it issues challenges — 32 random bytes that expire —
// and verifies a device's Ed25519 signature of a challenge's nonce with
// its device key. Its operations form the "auth" family; New returns the
// plugin declaration, served by aura-host as `aura-host plugin serve auth`.
//
// A challenge is single-use: the first verify of it by an enrolled device
// — successful or not — consumes it, and a later one is a conflict. The
// signed message is the nonce under the device-signing domain with purpose
// "auth-challenge" (effects.DeviceSigningMessage), which is what the
// host-owned device.sign signs, so an agent answers with its device key
// without holding it.
//
// The device set. verify accepts only keys of the authority's device set,
// a journaled, signed fact: auth.device_enrolled {authority, public_key,
// signer_key, enrolled_ms, signature}, signed (purpose "device-enrolment")
// by signer_key. The trust anchor is the agent's own device key
// (device.public_key): at start the service enrols it, self-signed, if the
// set lacks it (the genesis enrolment); auth.enroll_device enrols another
// key, signed by the agent's device. The set is the closure from the
// anchor — the anchor's self-signed genesis, then every enrolment signed
// by a member — so an enrolment merged into the journal without a
// member's signature adds nothing. A key outside the set is refused with
// unknown_device before the challenge is looked at: nothing is consumed
// or journaled. Enrolment signed by the authority's group (threshold) key
// is not served yet. A service running under no agent has no anchor and
// an empty set. Nonces come from the random effect, signatures are
// checked by crypto.ed25519_verify, and time comes from the clock effect.
//
// Facts journaled (type "auth"; each fact's time is the event's time):
//
//   - auth.challenge_issued {id, nonce, issued_ms, expires_ms}
//   - auth.authenticated    {challenge_id, method, public_key, authenticated_ms}
//   - auth.rejected         {challenge_id, method, public_key, rejected_ms}
//   - auth.device_enrolled  {authority, public_key, signer_key, enrolled_ms, signature}
//
// Invariants a newcomer must not break:
//
//   - A challenge verifies at most once, across restarts: consumption is
//     journaled before the answer is given, and the replay marks every
//     challenge with an authenticated or rejected fact as used.
//   - Verification is never skipped or weakened by the execution mode.
//   - This service proves possession of the private key of public_key,
//     and only for keys in the authority's device set.
//
// The package imports only sdk, effects and plugins/internal/service from
// the project.
package auth
