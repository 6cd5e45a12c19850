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
//     the authority and a per-instance counter (so a run is reproducible
//     but two authorities never share keys). Nothing else depends on the
//     mode: verification and every other check behave identically in all
//     modes.
//   - Malformed input (a key, nonce or length of the wrong size) is an
//     invalid_args error naming the parameter, never a panic; a signature
//     that does not verify is the result false, and a ciphertext that does
//     not authenticate is an invalid_args error saying so.
//
// The package imports only sdk and effects from the project.
package crypto
