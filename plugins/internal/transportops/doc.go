// Package transportops is what the transport plugin and sim-network, its
// stand-in on a simulated network, share of the "transport" family —
// discovery of peers from signed rendezvous descriptors
// (internal/descriptor): the declarations of transport.learn_peer and
// transport.local_descriptor (Operations, served by the Handlers each
// plugin passes), the shapes of their results (Learnt, Local), how a
// descriptor is verified and a refusal coded (Verify, Refuse, ErrRekey,
// ErrStaleDescriptor), and the libp2p peer ID of a device key (PeerID).
// Both plugins build the family here, so a swap by HCL changes neither
// what a caller may pass nor what it gets back, nor the code of a refusal.
//
// Invariants a newcomer must not break:
//
//   - One declaration, two handlers: an ID, parameter, result kind,
//     idempotence or determinism of the family changes here, for both.
//   - A descriptor is refused with the same code by both plugins: a
//     malformed, expired or not-yet-valid one is invalid_args, a bad
//     signature invalid_signature (Verify); a re-keying or an older seq is
//     conflict (Refuse with ErrRekey or ErrStaleDescriptor).
//   - PeerID is libp2p's peer ID of an Ed25519 key, computed without
//     libp2p (plugins/transport's tests check it against go-libp2p), so
//     sim-network reports the peer ID the transport would.
//   - Operations only declares; it holds no state.
//
// The package imports only sdk, effects and internal/descriptor from the
// project, never a plugin: it is imported by plugins/transport and
// plugins/simnetwork.
package transportops
