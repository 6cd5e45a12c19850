// Package descriptor is the format of a rendezvous descriptor: how to
// reach a device of an authority (its addresses and, optionally, relays),
// the device's Ed25519 public key — which is also its transport identity,
// the libp2p peer ID — and how long that holds, signed by that very key.
//
// The rendezvous service (plugins/rendezvous) publishes and caches signed
// descriptors; the transport (plugins/transport) learns peers from them;
// the agent (host/agent) signs its own. All three use this package, which
// is pure: it imports nothing of the project but effects, reads no clock
// (the caller passes the time) and touches no network.
//
// # Wire form
//
// A signed descriptor travels as an effects.Value map:
//
//	authority   bytes  16 bytes, the authority the device belongs to (non-zero)
//	device_key  bytes  32 bytes, the device's Ed25519 public key
//	addresses   list   1 to MaxAddresses strings, "host:port" or multiaddrs
//	relays      list   optional, 1 to MaxRelays strings (omitted when none)
//	issued_ms   int    when it was signed, milliseconds since the Unix epoch
//	expires_ms  int    when it stops being valid: after issued_ms, at most MaxValidityMS later
//	seq         int    orders the descriptors of one device (0 or more); a signer without a counter uses issued_ms
//	signature   bytes  64 bytes, Ed25519 by device_key over Message()
//
// The signed bytes are Domain ("aura-descriptor/v1" 0x00) followed by the
// canonical encoding (effects.Value.Canonical) of the same map without
// signature. The domain keeps a descriptor signature from passing as any
// other signature of the device key (receipts, device.sign purposes).
//
// Invariants a newcomer must not break:
//
//   - Parse accepts exactly the values Signed.Value produces: unknown keys,
//     wrong kinds, wrong lengths and an empty relays list are malformed,
//     so a verified descriptor has one encoding and its signature covers
//     every field.
//   - Verify checks the signature before anything is believed, and the
//     time after: expired (now >= expires_ms) and issued more than
//     MaxClockSkewMS in the future are refused.
//   - A signature proves only that the holder of device_key made the
//     descriptor. That the key is the authority's is for the caller to
//     check against its trust anchor (the deployment's peer keys, a
//     configured peer).
package descriptor
