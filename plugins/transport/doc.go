// Package transport is the built-in network transport plugin, "transport":
// the production counterpart of sim-network, serving the same "network"
// operations (send_envelope, receive_envelope, receive_envelope_from,
// connected_peers, is_channel_established) over real TCP connections
// between named nodes.
//
// Node is the transport itself, usable in process: it listens on one
// address, dials the peers it sends to, and buffers the envelopes it
// receives until they are taken.
//
// On the wire, a connection carries frames: a 4-byte big-endian length,
// then that many bytes of one value's canonical encoding
// (effects.Value.Canonical). The first frame a dialler sends is a hello,
// {hello: its node name}; every later frame is an envelope map. A frame
// longer than MaxFrame, or one that does not decode, closes the connection.
//
// Invariants a newcomer must not break:
//
//   - send_envelope returns only after the whole frame was written to the
//     peer's connection, or fails with a retryable unavailable error (no
//     connection, a broken one) — it is never silently dropped here. A
//     failed write is not retried: the envelope may have arrived, and
//     sending it twice is the caller's decision.
//   - The receive buffer is bounded (MaxBuffered envelopes). When it is
//     full, readers stop reading, so TCP pushes back on senders; nothing
//     received is discarded.
//   - Every goroutine belongs to the Node, and Close returns after all have
//     ended. The served plugin leaves closing to process exit.
//
// The transport does not check receipts or budgets: the host's guard chain
// does that before a send reaches it.
//
// The operations' declarations and the envelope (its parsing, its address
// rules) live in plugins/internal/networkops, shared with sim-network,
// which serves the same operations over a simulated network: one
// declaration and one envelope for both. Envelope and MaxPayload are
// re-exported here for users of Node.
//
// The package imports only sdk, effects and plugins/internal/networkops
// from the project.
package transport
