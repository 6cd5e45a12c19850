package transport

import (
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Default limits; each is a config attribute of the plugin and a field of
// Limits. The memory a node holds for received envelopes is bounded by
// DefaultMaxBufferedBytes of encoded envelopes plus the multiplexer's
// windows (DefaultStreamMemory); see doc.go for the whole bound.
const (
	// DefaultMaxEnvelopeBytes bounds one envelope's encoding on the wire:
	// a full payload (MaxPayload, 64 KiB) and 64 KiB for the addresses,
	// context, metadata and receipt.
	DefaultMaxEnvelopeBytes = MaxPayload + 64<<10
	// DefaultMaxBufferedBytesPerPeer bounds the encoded bytes of the
	// envelopes from one peer waiting to be received (32 full envelopes).
	DefaultMaxBufferedBytesPerPeer = 4 << 20
	// DefaultMaxBufferedBytes bounds the encoded bytes of all envelopes
	// waiting to be received.
	DefaultMaxBufferedBytes = 32 << 20
	// DefaultMaxBuffered bounds the number of envelopes waiting to be
	// received, whatever their size.
	DefaultMaxBuffered = 10_000
	// DefaultMaxConnections bounds the node's connections, inbound and
	// outbound together (and each direction on its own).
	DefaultMaxConnections = 64
	// DefaultMaxStreamsPerPeer bounds the streams one peer may have open
	// with the node at once.
	DefaultMaxStreamsPerPeer = 16
	// DefaultStreamMemory bounds what libp2p's multiplexer may reserve for
	// its stream windows, in all (a quarter of it per peer).
	DefaultStreamMemory = 64 << 20
	// DefaultIdleTimeout is how long a connection may carry no envelope
	// before it is closed.
	DefaultIdleTimeout = 5 * time.Minute
)

// MaxBuffered is DefaultMaxBuffered, kept for users of the old name.
const MaxBuffered = DefaultMaxBuffered

// Limits bound what a node accepts from its peers. A zero field takes its
// default. Every limit pushes back (a reader stops reading, so the
// sender's stream blocks and its send ends in a retryable error at its
// deadline) or closes a connection with a logged reason; none discards an
// envelope that was accepted.
type Limits struct {
	// MaxEnvelopeBytes bounds one envelope's encoding. A peer that
	// announces a longer one has its connection closed; Send refuses one
	// with invalid_args. Default DefaultMaxEnvelopeBytes.
	MaxEnvelopeBytes int
	// MaxBufferedBytesPerPeer bounds the encoded bytes buffered from one
	// peer (counted from the moment a frame's length is read); past it,
	// that peer's streams are not read. Default
	// DefaultMaxBufferedBytesPerPeer; at least MaxEnvelopeBytes.
	MaxBufferedBytesPerPeer int64
	// MaxBufferedBytes bounds the encoded bytes buffered from all peers;
	// past it, no stream is read. Default DefaultMaxBufferedBytes; at least
	// MaxBufferedBytesPerPeer.
	MaxBufferedBytes int64
	// MaxBuffered bounds the number of buffered envelopes. Default
	// DefaultMaxBuffered.
	MaxBuffered int
	// MaxConnections bounds the node's connections (libp2p's resource
	// manager refuses more). Default DefaultMaxConnections.
	MaxConnections int
	// MaxStreamsPerPeer bounds one peer's open streams. Default
	// DefaultMaxStreamsPerPeer.
	MaxStreamsPerPeer int
	// StreamMemory bounds the memory libp2p's multiplexer reserves for
	// stream windows, a quarter of it per peer. Default DefaultStreamMemory.
	StreamMemory int64
	// IdleTimeout closes a connection that carried no envelope for this
	// long (a connection whose reader waits for buffer room is not idle).
	// Default DefaultIdleTimeout.
	IdleTimeout time.Duration
}

// withDefaults fills the zero fields.
func (l Limits) withDefaults() Limits {
	if l.MaxEnvelopeBytes == 0 {
		l.MaxEnvelopeBytes = DefaultMaxEnvelopeBytes
	}
	if l.MaxBufferedBytesPerPeer == 0 {
		l.MaxBufferedBytesPerPeer = DefaultMaxBufferedBytesPerPeer
	}
	if l.MaxBufferedBytes == 0 {
		l.MaxBufferedBytes = DefaultMaxBufferedBytes
	}
	if l.MaxBuffered == 0 {
		l.MaxBuffered = DefaultMaxBuffered
	}
	if l.MaxConnections == 0 {
		l.MaxConnections = DefaultMaxConnections
	}
	if l.MaxStreamsPerPeer == 0 {
		l.MaxStreamsPerPeer = DefaultMaxStreamsPerPeer
	}
	if l.StreamMemory == 0 {
		l.StreamMemory = DefaultStreamMemory
	}
	if l.IdleTimeout == 0 {
		l.IdleTimeout = DefaultIdleTimeout
	}
	return l
}

// check reports the first limit that cannot work, naming its config
// attribute.
func (l Limits) check() (attr string, err error) {
	switch {
	case l.MaxEnvelopeBytes < 1024:
		return "max_envelope_bytes", fmt.Errorf("max_envelope_bytes must be at least 1024, got %d", l.MaxEnvelopeBytes)
	case l.MaxBufferedBytesPerPeer < int64(l.MaxEnvelopeBytes):
		return "max_buffered_bytes_per_peer", fmt.Errorf("max_buffered_bytes_per_peer (%d) must hold at least one envelope of max_envelope_bytes (%d)", l.MaxBufferedBytesPerPeer, l.MaxEnvelopeBytes)
	case l.MaxBufferedBytes < l.MaxBufferedBytesPerPeer:
		return "max_buffered_bytes", fmt.Errorf("max_buffered_bytes (%d) must be at least max_buffered_bytes_per_peer (%d)", l.MaxBufferedBytes, l.MaxBufferedBytesPerPeer)
	case l.MaxBuffered < 1:
		return "max_buffered_envelopes", fmt.Errorf("max_buffered_envelopes must be 1 or more, got %d", l.MaxBuffered)
	case l.MaxConnections < 1:
		return "max_connections", fmt.Errorf("max_connections must be 1 or more, got %d", l.MaxConnections)
	case l.MaxStreamsPerPeer < 1:
		return "max_streams_per_peer", fmt.Errorf("max_streams_per_peer must be 1 or more, got %d", l.MaxStreamsPerPeer)
	case l.StreamMemory < 4<<20:
		return "stream_memory_bytes", fmt.Errorf("stream_memory_bytes must be at least 4 MiB, got %d", l.StreamMemory)
	case l.IdleTimeout < time.Millisecond:
		return "idle_timeout_ms", fmt.Errorf("idle_timeout_ms must be 1 or more, got %v", l.IdleTimeout)
	}
	return "", nil
}

// Peer is a node this one exchanges envelopes with: where it listens, or
// the relay it is reachable through, and the Ed25519 public key it must
// prove it holds (its libp2p peer ID).
type Peer struct {
	// Address is where the peer listens: "host:port" (TCP) or a TCP or
	// QUIC multiaddr ("/ip4/…/tcp/…", "/ip4/…/udp/…/quic-v1"). Empty if
	// the peer is reachable only through its Relay (or only dials in).
	Address string
	// Addresses are more addresses of the peer, in the same forms. The
	// node dials Address and Addresses together, QUIC and TCP alike, and
	// keeps the first connection that authenticates.
	Addresses []string
	// PublicKey is the peer's Ed25519 device key.
	PublicKey ed25519.PublicKey
	// Relay, if set, is a relay the peer keeps a reservation on: the node
	// dials the peer through it (a circuit: Noise still runs between the
	// two nodes, end to end) when the direct addresses fail or there are
	// none. libp2p dials a relay address beside private direct addresses
	// at once, and 500 ms after public ones.
	Relay *RelayInfo
}

// addresses is Address and Addresses in one list.
func (p Peer) addresses() []string {
	if p.Address == "" {
		return p.Addresses
	}
	return append([]string{p.Address}, p.Addresses...)
}

// RelayInfo is what a node knows of a relay (a Relay, run by
// NewRelay): where it listens and its Ed25519 public key, which it
// proves like any node. A relay is not a peer: the gater lets it connect,
// but an envelope stream it opens is refused.
type RelayInfo struct {
	// Address is the relay's address, "host:port" or a TCP or QUIC
	// multiaddr.
	Address string
	// PublicKey is the relay's Ed25519 public key (its Relay.PublicKey).
	PublicKey ed25519.PublicKey
}

// Config configures a Node.
type Config struct {
	// Listen is an address to listen on: "host:port" (TCP) or a TCP or
	// QUIC multiaddr, e.g. "127.0.0.1:0" or "/ip4/127.0.0.1/udp/0/quic-v1"
	// (port 0 picks a free port; Addrs says which).
	Listen string
	// ListenAddresses are more addresses to listen on, in the same forms.
	// Only Listen and these are listened on; all empty: DefaultListen.
	ListenAddresses []string
	// Name is this node's name: the destination of the envelopes it
	// accepts, and the source its peers know it by. Empty: its peer ID.
	Name string
	// Identity is the node's Ed25519 private key: its libp2p identity,
	// which it proves to every peer in the Noise handshake (TCP) or the
	// TLS 1.3 handshake (QUIC). Required.
	Identity ed25519.PrivateKey
	// Peers are the only nodes this one exchanges envelopes with, by name.
	// An inbound connection authenticated as any other key (but a relay's)
	// is refused. SetPeer adds or changes one later.
	Peers map[string]Peer
	// Relays are relays this node keeps a reservation on, so that peers
	// that cannot reach its addresses reach it through one of them, at
	// the relay's address /p2p/<relay id>/p2p-circuit. The node reserves
	// a slot on each when it starts, refreshes it before it expires, and
	// reserves again when the connection to the relay is lost.
	Relays []RelayInfo
	// DisableHolePunching turns off libp2p's hole punching (DCUtR), which
	// is otherwise on when the node has relays (its own or its peers'):
	// over a relayed connection, two nodes behind NATs exchange the
	// public addresses their peers observed and dial each other at once,
	// and move to the direct connection if that works. It applies only to
	// nodes that have a public address observed by a peer; on a private
	// network (or in this package's tests) it does nothing and the relayed
	// connection stays.
	DisableHolePunching bool
	// Limits bound what the node accepts; zero fields take defaults.
	Limits Limits
	// Logger receives refusals, closed connections and errors; nil
	// discards them.
	Logger hclog.Logger
}
