// Package cover is the agent's cover-traffic service and its anonymous
// paths (issue 17): with privacy mode on, every peer link carries at least
// a floor of packets per second (2 by default), whether or not the
// application sends, so that an observer of the link cannot tell from the
// packet count when the agent is active.
//
// Every Interval (500 ms by default) on the agent's clock — its task
// supervisor's, virtual time in simulation — the Service:
//
//   - drains the cover envelopes each peer sent (network.receive_envelope_from
//     in Context) and drops them, counting each as received, replayed or
//     refused;
//   - with privacy mode on, tops each peer link up: TopUp owes the floor
//     for the time since the last interval (fractions carried over), the
//     application's sends to the peer in that time (counted by Observe, a
//     router observer of network.send_envelope) are deducted, and only the
//     difference is sent as cover envelopes.
//
// A cover envelope is opaque: its payload is random bytes from the random
// effect, whose first 32 are the path id and the message id (themselves
// random), of the size of one of the application's last SizeMemory (32)
// payloads to that peer that lie between 32 bytes and 1 KiB, drawn at
// random — PayloadBytes (256) until there is one, or always with
// FixedSize. It is sent in its own context (Context,
// "aura-cover/v1") through the agent's router, so the guard chain charges
// it to the flow budget of (Context, peer) — the reserve — and attaches a
// receipt, which the receiver's guard chain checks. The reserve is
// separate from every budget of the application: cover traffic cannot
// exhaust the application's budget, and the agent reserves Context for
// the service (host.Router.ReserveContext), so the application cannot
// spend the reserve by sending in it.
//
// What an observer of the link can still tell: on the wire (the
// transport's encrypted stream) a cover envelope is the size of one of the
// application's recent small envelopes to the peer, but application
// envelopes above 1 KiB (never mimicked: they would cost the reserve more)
// stand out, and before the application's first small payload every cover
// envelope has the same size; the floor hides silence, not volume above
// it; cover is sent at interval boundaries, in
// a burst when several are owed (no jitter yet); and the envelope's
// context is in its plaintext, so the peer — and anyone who can read the
// envelopes, as the simulated network can — tells cover from application
// traffic. Cover hides activity from the network, not from the peer.
//
// Anonymous paths: Path is the established-path lifecycle (building →
// established → expired, or torn down at any point) with replay
// suppression (a message id seen twice on a path is dropped) and expiry
// (PathTTL, 30 s). The service uses one path per peer link: built (a new
// random id, and a new epoch of the reserve: replenished, and a new
// receipt chain) when cover is owed and there is no live path, established
// by its first send, torn down when a send's delivery is uncertain, and
// replaced when it expires. The receiver keeps Inbound paths per peer,
// opened by their first message, and drops replays and messages on
// expired paths. These paths are one hop: there is no onion routing, no
// relay and no per-hop encryption here.
//
// It may import effects, host/lifecycle and host/guard (the send cost);
// never host or host/agent: it sees the network, clock and random effects
// only through Config.Invoke (the agent's router), and the agent wires its
// scheduler, reserve and reservation in (host/agent/cover.go).
//
// Invariants a newcomer must not break:
//
//   - Time is the agent's clock effect only (clock.physical_time, and the
//     Scheduler's sleeps): never time.Now, time.Sleep or a wall timer, so
//     a simulation runs it on virtual time.
//   - The service's lock is never held across a call to Invoke: the router
//     runs Observe, which takes it, on the calling goroutine.
//   - Every cover envelope goes through Invoke (the guard chain), charged
//     to the reserve; none is sent in another context, and nothing the
//     service receives is trusted: a payload is only ever read for its two
//     ids, and every inbound path and replay window is bounded.
package cover
