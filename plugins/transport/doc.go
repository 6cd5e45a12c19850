// Package transport is the built-in network transport plugin, "transport":
// the production counterpart of sim-network, serving the same "network"
// operations (send_envelope, receive_envelope, receive_envelope_from,
// connected_peers, is_channel_established) between named nodes over
// go-libp2p: TCP with Noise and yamux, and QUIC (TLS 1.3), directly or
// through a circuit relay — and the same "transport" family (learn_peer,
// local_descriptor): discovery from signed descriptors.
//
// Node is the transport itself, usable in process: a libp2p host that
// listens on its configured addresses (loopback by default) and nothing
// else, connects only with its configured peers (and relays), and buffers
// the envelopes addressed to it until they are taken. No discovery (mDNS,
// DHT), NAT port mapping, AutoNAT probing, AutoRelay, ping or metrics is
// enabled.
//
// # Addresses: TCP and QUIC
//
// listen is one address or a list; a peer's address too. "host:port" is
// TCP; a multiaddr names TCP (/ip4/A/tcp/P) or QUIC
// (/ip4/A/udp/P/quic-v1), IPv6 alike. A node dials all of a peer's
// addresses (libp2p ranks them: QUIC and TCP on private addresses at
// once, public ones a little later) and keeps the first connection that
// authenticates. QUIC brings its own handshake, TLS 1.3 with libp2p's
// certificate carrying the same Ed25519 key, so the same identity is
// proved, the same gater decides, and the same resource limits count its
// connections and streams. No DNS name is accepted: the transport makes
// no DNS request of its own.
//
// # Relays
//
// A node that cannot be reached (behind a NAT, or on a network the other
// cannot route to) is reached through a relay: a Relay (NewRelay), a
// libp2p host running circuit relay v2 and nothing else, with its own
// Ed25519 key. A node with relays (Config.Relays, plugin attribute
// relays) reserves a slot on each, refreshes it half way to its expiry,
// and reserves again when its connection to the relay drops; it is then
// reachable at <relay address>/p2p/<relay id>/p2p-circuit (Node.Addrs).
// A peer configured with a relay (Peer.Relay, attribute relay = {address,
// public_key}) is dialled through it beside its own addresses: at once
// when those are private or absent, 500 ms after public ones (libp2p's
// dial ranking), so the relay is used when a direct dial fails or is
// impossible.
//
// A relayed connection is authenticated end to end: the two nodes run
// Noise between themselves inside the circuit, so the relay copies bytes
// it cannot read, and a byte it changes breaks the connection instead of
// changing an envelope (TestRelayCarriesOnlyCiphertext,
// TestRelayCannotForgeEnvelopes). libp2p calls such a connection
// "limited"; envelope streams are opened on it on purpose
// (network.WithAllowLimitedConn). The relay ends a circuit after
// RelayLimits.CircuitDuration (1 h) or CircuitBytes (1 GiB each way),
// libp2p's 2 min / 128 KiB being too small for envelope traffic; the
// next send dials a new circuit, and a send caught by the end fails with
// a retryable unavailable error.
//
// The gater admits a relay's key (the node's own relays and its peers'),
// which it must for reservations and circuits, but a relay is not a peer:
// an envelope stream a relay opens is refused and logged
// (TestRelayCannotSendEnvelopes), and a key cannot be both a peer's and a
// relay's. A relay may be given an allow list of keys (RelayConfig.Allow):
// any other key's connection is closed once its handshake proved it.
//
// Hole punching (libp2p's DCUtR) is enabled on nodes with relays unless
// Config.DisableHolePunching (attribute hole_punching = false): over a
// relayed connection the two nodes exchange the addresses their peers
// observed them at and dial each other at once; if that works, new
// streams use the direct connection (Send moves to it). It needs a public
// address observed by a peer (so identify's address discovery is on for
// these nodes, and only for them); on a private network — as in this
// package's tests, which have no NAT — it does nothing and the relayed
// connection stays. Hole punching itself is not tested here; moving to a
// direct connection once one exists is (TestSendMovesToADirectConnection),
// and so is reserving again when a relay comes back
// (TestReservationComesBackWithTheRelay).
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
// Every peer is configured with its name, addresses (or relay) and public
// key. A connection runs the Noise handshake first (TLS 1.3 in QUIC),
// which proves both keys; the gater (gate.go) then refuses any key that
// is not a configured peer's or relay's, before a stream is opened, so
// nothing an unknown or impostor peer sends is ever read as an envelope. A dialler checks the listener's key the
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
// addresses are verified but not used yet: a learnt circuit address names
// a relay the gater refuses unless it is one of the node's or its peers'
// configured relays, and LocalDescriptor does not publish the node's own
// circuit addresses (Node.Addrs has them) — the next step for reaching a
// discovered peer through its relay.
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
//     max_streams_per_peer: 16, enforced by libp2p's resource manager. A
//     relay known at Listen may have max_connections + 16 streams (one
//     per circuit it carries). libp2p's limits per remote IP address (8
//     connections at once; new ones at 0.2/s after 16) are replaced by
//     max_connections at once and 1/s after 2 × max_connections: every
//     relayed connection counts as one from the relay's address.
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
//     proved and found among the configured peers; a relay's key is
//     admitted to connect, never to send envelopes.
//   - receive_envelope and receive_envelope_from return only envelopes
//     addressed to this node; a destination naming another is a denied
//     error. The instance serves one authority (the SDK refuses calls for
//     another), so this binds receives to the caller.
//   - send_envelope returns only after the whole frame was written to the
//     peer's stream, or fails with a retryable unavailable error — it is
//     never silently dropped here. While the peer is unreachable (not yet
//     started, restarting, cut off by a partition) the operation tries
//     again with backoff (50 ms doubling to 1 s) until the call's
//     deadline; a call without one is tried once. A retried envelope may
//     arrive twice (a write can fail after the peer read it): the
//     receiving guard chain drops the second by its receipt's nonce, and
//     a protocol session by its sequence number. Node.Send itself tries
//     once.
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
// Mistakes in a Config or RelayConfig are *ConfigError (errors.Is
// ErrInvalidConfig), naming the plugin attribute and what to do.
//
// The package imports only sdk, effects, internal/descriptor,
// plugins/internal/networkops and plugins/internal/transportops from the
// project, and go-libp2p.
package transport
