// Package crypto is the built-in crypto plugin: Ed25519 keys and
// signatures, BLAKE3-256 hashing, HKDF-SHA256 key derivation,
// ChaCha20-Poly1305 authenticated encryption, and FROST(Ed25519, SHA-512)
// threshold signatures (RFC 9591). Its operations form the "crypto" family;
// New returns the plugin declaration, served by aura-host as
// `aura-host plugin serve crypto`.
//
// Invariants a newcomer must not break:
//
//   - Key generation and nonce generation are the only operations that use
//     randomness. In production they read crypto/rand; in the testing and
//     simulation modes they derive their bytes from the configured seed,
//     the authority, a draw epoch and a per-configuration counter (so a
//     run is reproducible but two authorities never share keys). Nothing
//     else depends on the mode: verification and every other check behave
//     identically in all modes.
//   - A seeded draw is never repeated, across restarts included: a FROST
//     nonce drawn twice for one key share and used on two messages gives
//     the share away (RFC 9591 §4.1 mixes the share's secret into each
//     nonce, which does not help when the random bytes repeat too). So
//     every configuration in a deterministic mode claims the next unused
//     epoch of its (seed, authority) from a record under its state
//     directory (draws/seed-S-authority-A, holding the next epoch in
//     decimal) and makes that record durable — temporary file, fsync,
//     rename, fsync of the directory — before it draws (draws.go). A
//     process killed at any point comes back in a fresh epoch. The first
//     configuration on a fresh state directory draws in epoch 0, which
//     derives what the plugin drew before epochs existed; a run repeats
//     exactly when it starts from an equal state directory and the same
//     restarts happen (the agent runtime gives testing and simulation
//     runs a fresh temporary state directory unless told otherwise; a
//     host over a deployment's own state_dir continues where the last run
//     stopped, so its draws differ from the last run's, which is the
//     point). A deterministic configuration without a state directory, or
//     whose record is unreadable or corrupt, is refused with a
//     configuration error rather than weakened: no fallback to epoch 0,
//     and no hidden per-process randomness that would break
//     reproducibility. Production needs no record. One instance at a time
//     may configure over a state directory, as the host arranges.
//   - Malformed input (a key, nonce or length of the wrong size) is an
//     invalid_args error naming the parameter, never a panic; a signature
//     that does not verify is the result false, and a ciphertext that does
//     not authenticate is an invalid_args error saying so.
//
// The package imports only sdk and effects from the project.
package crypto
