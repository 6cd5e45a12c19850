// Package rendezvous is the built-in rendezvous service (AURA-SPEC §5,
// RendezvousServiceApi): it publishes and caches peer descriptors — how to
// reach a peer — each valid for a while (one hour by default), and looks
// them up. Its operations form the "rendezvous" family; New returns the
// plugin declaration, served by aura-host as
// `aura-host plugin serve rendezvous`.
//
// A descriptor should be refreshed five minutes before it expires
// (refresh_at_ms); once expired it is never returned, and expire drops it
// from memory. Channel establishment and relays, which the platform's
// rendezvous manager also offers, need the transport and are not here.
//
// Facts journaled (type "rendezvous"; the fact's time is published_ms):
//
//   - rendezvous.published {peer, descriptor, published_ms, expires_ms}
//
// Expiry is a function of expires_ms and the clock, so it is not
// journaled: a restarted instance replays the published facts and keeps,
// per peer, the latest descriptor that has not expired.
//
// The package imports only sdk, effects and plugins/internal/service from
// the project.
package rendezvous
