// Package crypto is the built-in crypto plugin: Ed25519 keys and
// signatures, BLAKE3-256 hashing, HKDF-SHA256 key derivation,
// ChaCha20-Poly1305 authenticated encryption, and FROST(Ed25519, SHA-512)
// threshold signatures (RFC 9591), with keys from a trusted dealer
// (frost_generate_keys) or from a distributed key generation among the
// authority's devices (frost_dkg_*). Its operations form the "crypto"
// family; New returns the plugin declaration, served by aura-host as
// `aura-host plugin serve crypto`.
//
// Held keys. A DKG (the Pedersen DKG with proofs of knowledge of the FROST
// paper, Komlo and Goldberg §5.1; frost_dkg.go over frost_dkg_math.go) keeps
// every secret in the plugin: frost_dkg_begin draws the participant's
// polynomial and an X25519 key and returns a key handle and the public
// package (commitment, proof of knowledge bound to the ceremony's context,
// encryption key); frost_dkg_shares checks every package and encrypts the
// participant's share for each other one (ChaCha20-Poly1305 under an
// X25519 + BLAKE3-derived key per ceremony, sender and receiver);
// frost_dkg_finish opens and checks the shares it received against their
// senders' commitments and either holds the signing share (pending) or
// returns a complaint naming the first bad sender; frost_dkg_commit makes
// it active, frost_dkg_abort forgets it. frost_key_nonces and
// frost_key_sign_share sign with an active held key; their nonces stay in
// the plugin, in memory, and are used once. The keystore (keystore.go)
// seals each key at rest in the state directory (keys/HANDLE, 0600,
// XChaCha20-Poly1305) under a key derived from the agent's device
// signature (device.sign, purpose "crypto-keystore-seal"), so a plugin
// without an agent's device (a plain host) holds no key: unavailable.
//
// Invariants a newcomer must not break:
//
//   - Key generation, the DKG's draws, handles and nonce generation are
//     the only operations that use randomness. In production they read
//     crypto/rand; in the testing and simulation modes they derive their bytes from the configured seed,
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
//   - No operation returns a held secret: a DKG polynomial, a signing
//     share or held nonces leave the plugin only sealed, to its own state
//     directory. A held key signs only when active, its nonces once.
//   - Malformed input (a key, nonce or length of the wrong size) is an
//     invalid_args error naming the parameter, never a panic; a signature
//     that does not verify is the result false, and a ciphertext that does
//     not authenticate is an invalid_args error saying so.
//
// The package imports only sdk and effects from the project.
package crypto
