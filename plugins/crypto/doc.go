// Package crypto is the built-in crypto plugin: Ed25519 keys and
// signatures, BLAKE3-256 hashing, HKDF-SHA256 key derivation,
// ChaCha20-Poly1305 authenticated encryption, and FROST(Ed25519, SHA-512)
// threshold signatures (RFC 9591), with keys dealt by a trusted dealer
// (frost_generate_keys) or made by a distributed key generation among the
// authority's devices and rotated by proactive resharing. Its operations
// form the "crypto" family; New returns the plugin declaration, served by
// aura-host as `aura-host plugin serve crypto`.
//
// Held keys. A FROST key made by a DKG never exists whole: each device's
// share stays in its plugin under a key handle, sealed at rest (keystore.go:
// keys/HANDLE, 0600, XChaCha20-Poly1305 under a key derived from the
// agent's device signature, purpose "crypto-keystore-seal"; a plugin
// without an agent's device, on a plain host, holds no key: unavailable).
// The DKG is the Pedersen DKG with proofs of knowledge of the FROST paper
// (Komlo and Goldberg §5.1; frost_dkg.go over frost_dkg_math.go).
// The ceremony is frost_dkg_begin (round one: commitment, proof of knowledge,
// X25519 key), frost_dkg_shares (check every package, encrypt a share to each
// other participant), frost_dkg_route (for the relay), frost_dkg_finish (open
// and check the shares, or name the sender in a complaint), then
// frost_dkg_commit, or frost_dkg_abort when any participant complained or
// never finished. frost_key_info, frost_key_nonces and frost_key_sign_share
// use an active key; frost_key_find names the device's active key of a
// group (a ceremony that starts from an existing key needs its handle).
//
// Rotation (proactive resharing, frost_reshare.go). frost_reshare_begin
// starts a ceremony that hands an active key's group key to a new device
// set and threshold (2-of-3 to 3-of-4, or a lost device removed) while the
// group key stays: at least the old threshold of old holders deal (old_key:
// their active key), each a polynomial whose constant term is its old share
// times its Lagrange coefficient over the dealers; every participant of
// the new epoch (identifiers 1..n, dealers among them) runs the same
// frost_dkg_shares, _route, _finish and _commit or _abort on the handle it
// got. The new key's epoch is the old one's plus one. Committing it retires
// every earlier-epoch key of the group on the device (state "retired",
// share erased, frost_key_nonces refuses it with "retired at epoch N");
// aborting removes the new key and leaves the old one active, so a
// rotation that fails part way leaves the old epoch usable. A device that
// holds an old share and takes no part in the new epoch keeps it, but it
// is useless once fewer than the old threshold of old shares remain.
//
// Invariants a newcomer must not break:
//
//   - Key generation, the DKG's draws, handles and nonce generation are
//     the only operations that use randomness. In production they read
//     crypto/rand; in the testing and simulation modes they derive their
//     bytes from the configured seed,
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
//     directory, or encrypted to the ceremony's participants' keys — which,
//     for a device that does not deal in a rotation, nothing authenticates
//     (docs/SECURITY.md: the relay is trusted). A held key signs only when
//     active, its nonces once; operations on held keys run one at a time.
//   - Malformed input (a key, nonce or length of the wrong size) is an
//     invalid_args error naming the parameter, never a panic; a signature
//     that does not verify is the result false, and a ciphertext that does
//     not authenticate is an invalid_args error saying so.
//
// The package imports only sdk and effects from the project.
package crypto
