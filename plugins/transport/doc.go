// Package transport is the built-in network transport plugin, "transport":
// the production counterpart of sim-network, serving the same "network"
// operations (send_envelope, receive_envelope, receive_envelope_from,
// connected_peers, is_channel_established) between named nodes over
// go-libp2p: TCP, Noise, yamux — and the same "transport" family
// (learn_peer, local_descriptor), discovery from signed descriptors.
//
// Node is the transport itself, usable in process: a libp2p host that
// listens on one configured address (loopback by default) and nothing
// else, connects only with its configured peers, and buffers the
// envelopes addressed to it until they are taken. No discovery (mDNS,
// DHT), NAT port mapping, relay, hole punching, AutoNAT probing, ping or
// metrics is enabled; QUIC is not enabled either (TCP only, for now).
//
// # Identity and authentication
//
// A node's identity is an Ed25519 key, its libp2p peer ID. The plugin
// reads it from identity_key_file (the 32-byte seed, a regular file of
// mode 0600 owned by the running user); an agent (host/agent) sets that to
// its device key file in production, so that the key that signs the
// agent's receipts is the one its transport proves to its peers. Without
// it the plugin keeps its own key, transport.key in its state directory
// (created 0600 on first use). The key never crosses the plugin socket:
// only its path does.
//
// Every peer is configured with its name, address and public key. A
// connection runs the Noise handshake first, which proves both keys; the
// gater (gate.go) then refuses any key that is not a configured peer's,
// before a stream is opened, so nothing an unknown or impostor peer sends
// is ever read as an envelope. A dialler checks the listener's key the
// same way (the peer ID it dials). A plain TCP client — the old protocol's
// hello naming a peer — cannot complete the handshake: its connection is
// closed and the node logs "closed a connection before it authenticated".
// An envelope's source must name the authenticated peer that sent it, and
// its destination this node; otherwise the connection is closed with the
// reason logged.
//
// # Discovery
//
// Besides its configured peers, a node learns peers from signed
// rendezvous descriptors (internal/descriptor), with LearnPeer or the
// transport family's operation transport.learn_peer {descriptor}. The
// descriptor must verify — its device key's signature over its fields,
// not expired, not issued more than 5 minutes ahead of the wall clock
// (the transport runs in production only) — and its addresses must parse
// (one naming a /p2p/ peer ID must name the descriptor's key's). The
// authority becomes a peer named by its hex (how a bytes destination
// resolves, and how the simulation driver names agents), authenticated
// by the descriptor's device key and dialled at its addresses, which the
// peerstore forgets when the descriptor expires. So the gater and the
// handshake hold for learnt peers as for configured ones: a node at the
// descriptor's address that holds another key fails the handshake when
// dialled (the send is a retryable unavailable error and the node logs
// "could not connect to peer"), and is refused by the gater when it
// dials in, before any envelope is read.
//
// A descriptor is refused, and the refusal logged, when it would re-key a
// peer already configured or learnt under another key (ErrRekey: a key
// change is the operator's, by configuration), give a key that another
// peer holds, describe this node, or be older — a lower seq — than the
// descriptor already learnt for the peer (ErrStaleDescriptor). A newer
// descriptor signed by the same key moves the peer's addresses. Relay
// addresses are verified but not used yet.
//
// What the transport does not check is that a descriptor's key is its
// authority's: for an authority it has never seen, any key that signed a
// valid descriptor becomes the peer's. The caller passes only descriptors
// checked against the trust anchor — those the rendezvous service returns,
// which checks them against the deployment's peer keys.
//
// LocalDescriptor (transport.local_descriptor) gives this node's own
// unsigned fields — its key and listen addresses — for its agent to sign
// with the device key (host/agent SignDescriptor) and publish with the
// rendezvous service. sim-network serves the transport family too, with
// the same declarations, verification and refusal codes
// (plugins/internal/transportops), on its simulated network: there a
// descriptor is verified at the network's virtual time, and learning one
// changes no routing.
//
// # Wire format
//
// Envelopes travel on streams of protocol /aura/envelope/1.0.0 as frames:
// a 4-byte big-endian length, then the envelope's canonical encoding
// (effects.Value.Canonical). A node keeps one outbound stream per peer.
//
// # Limits (config attribute: default)
//
//   - max_envelope_bytes: 131072 (MaxPayload 64 KiB + 64 KiB of addresses,
//     context, metadata and receipt). A larger frame closes the connection.
//   - max_buffered_bytes_per_peer: 4 MiB; max_buffered_bytes: 32 MiB;
//     max_buffered_envelopes: 10000. Counted in encoded bytes from the
//     moment a frame's length is read. Past a bound the peer's stream is
//     not read, so its writes block (yamux flow control) and its send
//     ends, at its deadline, in a retryable unavailable error.
//   - max_connections: 64 (inbound and outbound, each direction too) and
//     max_streams_per_peer: 16, enforced by libp2p's resource manager.
//   - stream_memory_bytes: 64 MiB, what yamux may reserve for stream
//     windows (a quarter per peer).
//   - idle_timeout_ms: 300000 (5 minutes) without an envelope closes a
//     connection (one whose reader waits for buffer room is not idle). A
//     connection that does not authenticate is closed by libp2p's upgrader
//     after 15 s.
//
// The memory held for received data is therefore bounded by
// max_buffered_bytes of encoded envelopes (their decoded form about as
// much again) plus stream_memory_bytes: 2 × 32 + 64 MiB with the
// defaults, whatever the peers send (TestFloodFromOnePeerStaysUnderBound).
//
// Invariants a newcomer must not break:
//
//   - No envelope is read from a connection before its peer's key was
//     proved and found among the configured peers.
//   - receive_envelope and receive_envelope_from return only envelopes
//     addressed to this node; a destination naming another is a denied
//     error. The instance serves one authority (the SDK refuses calls for
//     another), so this binds receives to the caller.
//   - send_envelope returns only after the whole frame was written to the
//     peer's stream, or fails with a retryable unavailable error — it is
//     never silently dropped here. A failed write is not retried: the
//     envelope may have arrived, and sending it twice is the caller's
//     decision.
//   - Every limit pushes back or closes with a logged reason; nothing
//     accepted into the buffer is discarded.
//   - Every goroutine belongs to the Node (or to its libp2p host, which
//     Close closes), and Close returns after all have ended. The served
//     plugin leaves closing to process exit.
//
// The transport does not check receipts or budgets: the host's guard chain
// does that, on send and on receive.
//
// The operations' declarations and the envelope (its parsing, its address
// rules) live in plugins/internal/networkops, and the transport family's
// declarations, result shapes, refusal codes and errors (ErrRekey and
// ErrStaleDescriptor are its) in plugins/internal/transportops, both
// shared with sim-network, which serves the same operations over a
// simulated network: one declaration and one envelope for both. Envelope
// and MaxPayload are re-exported here for users of Node.
//
// The package imports only sdk, effects, internal/descriptor,
// plugins/internal/networkops and plugins/internal/transportops from the
// project, and go-libp2p.
package transport
