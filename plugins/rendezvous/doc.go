// Package rendezvous is the built-in rendezvous service (AURA-SPEC §5,
// RendezvousServiceApi): it publishes and caches signed peer descriptors
// — how to reach a device of an authority — each until it expires, and
// looks them up. Its operations form the "rendezvous" family; New returns
// the plugin declaration, served by aura-host as
// `aura-host plugin serve rendezvous`.
//
// # Descriptors are signed, and checked against the trust anchor
//
// A descriptor is the format of internal/descriptor: the authority, the
// device's Ed25519 key (its transport identity), its addresses and relays,
// issued_ms, expires_ms and seq, signed by that device key. publish keeps
// only one that
//
//   - verifies now: its signature over its fields (invalid_signature
//     otherwise: a tampered address, a swapped key), not expired and not
//     issued more than 5 minutes ahead, well formed (invalid_args);
//   - describes the peer it is published for (invalid_args);
//   - is signed by the device key the deployment knows for its authority,
//     asked of the host with device.public_key (unknown_device otherwise:
//     anyone can sign a descriptor naming any authority with a key of
//     their own, and an authority whose key is not known cannot be
//     checked);
//   - is not older (a lower seq) than the one already published for that
//     authority (conflict), so a replayed old descriptor cannot move a peer
//     back to addresses it left.
//
// An entry expires with its descriptor, or sooner with validity_ms (one
// hour by default). It should be refreshed five minutes before it expires
// (refresh_at_ms); once expired it is never returned, and expire drops it
// from memory. Peers are named by authority: "authority-…", or the 32 hex
// digits the transport names the authority by. Channel establishment and
// relays, which the platform's rendezvous manager also offers, need the
// transport and are not here; the transport learns peers from descriptors
// with transport.learn_peer.
//
// Facts journaled (type "rendezvous"; the fact's time is published_ms):
//
//   - rendezvous.published {peer, descriptor, published_ms, expires_ms}
//
// Expiry is a function of expires_ms and the clock, so it is not
// journaled: a restarted instance replays the published facts and keeps,
// per peer, the newest (highest seq, then latest published) descriptor
// that has not expired. Each replayed fact is verified again — its
// signature at its publication time, its peer, and its key against the
// trust anchor as it is now — and one that fails is logged and skipped:
// the journal is not trusted to hold only what publish wrote.
//
// The package imports only sdk, effects, internal/descriptor and
// plugins/internal/service from the project.
package rendezvous
