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
//   - A seeded draw is never repeated within a host run, across plugin
//     restarts included: a FROST nonce drawn twice for one key share and
//     used on two messages gives the share away (RFC 9591 §4.1 mixes the
//     share's secret into each nonce, which does not help when the random
//     bytes repeat too). So every configuration in a deterministic mode
//     claims the next unused epoch of its (seed, authority) in the current
//     run from the run's record under its state directory
//     (draws/seed-S-authority-A/RUN, holding the next epoch) and makes
//     that record durable — temporary file, fsync, rename, fsync of the
//     directory — before it draws (draws.go). A process killed at any
//     point and restarted by its host comes back in a fresh epoch. A run
//     is one host process, named by the PID aura-host passes its plugins
//     (sdk.HostPIDEnv); a new run starts again at epoch 0, so a seed
//     reproduces a run over the same state directory as over a fresh one,
//     provided the same restarts happen. Epoch 0 derives what the plugin
//     drew before epochs existed. A deterministic configuration without a
//     state directory, or whose record is unreadable or corrupt, is
//     refused with a configuration error rather than weakened: no fallback
//     to epoch 0, and no hidden per-process randomness that would break
//     reproducibility. Production needs no record.
//   - Malformed input (a key, nonce or length of the wrong size) is an
//     invalid_args error naming the parameter, never a panic; a signature
//     that does not verify is the result false, and a ciphertext that does
//     not authenticate is an invalid_args error saying so.
//
// The package imports only sdk and effects from the project.
package crypto
