package transport

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/connmgr"
	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	relayv2 "github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/relay"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
)

// Relay defaults; each is a field of RelayLimits. libp2p's own defaults
// end a relayed connection after 2 minutes or 128 KiB each way, which a
// node exchanging envelopes (up to 128 KiB each) would hit within one
// envelope or one idle pause; these let a relayed connection live as long
// as a direct one usually does, while still bounding what one circuit can
// cost the relay.
const (
	// DefaultRelayMaxReservations bounds the nodes holding a slot at once.
	DefaultRelayMaxReservations = 128
	// DefaultRelayMaxCircuits bounds the relayed connections one node
	// takes part in at once (as the dialler or as the one dialled).
	DefaultRelayMaxCircuits = 16
	// DefaultRelayCircuitDuration ends a relayed connection after an hour;
	// the next envelope dials a new one.
	DefaultRelayCircuitDuration = time.Hour
	// DefaultRelayCircuitBytes ends a relayed connection once it carried
	// 1 GiB in either direction; the next envelope dials a new one.
	DefaultRelayCircuitBytes = 1 << 30
	// DefaultRelayReservationTTL is how long a reservation lasts; nodes
	// refresh theirs half way.
	DefaultRelayReservationTTL = time.Hour
	// DefaultRelayMaxConnections bounds the relay's connections, inbound
	// and outbound.
	DefaultRelayMaxConnections = 1024
	// relayBufferSize is each direction's copy buffer per circuit (libp2p
	// takes 2 KiB; 16 KiB moves an envelope in far fewer writes).
	relayBufferSize = 16 << 10
)

// RelayLimits bound what a relay gives its users. A zero field takes its
// default.
type RelayLimits struct {
	// MaxReservations bounds the nodes holding a slot at once (also per IP
	// address: nodes behind one NAT may all reserve). Default
	// DefaultRelayMaxReservations.
	MaxReservations int
	// MaxCircuits bounds the relayed connections one node takes part in
	// at once. Default DefaultRelayMaxCircuits.
	MaxCircuits int
	// CircuitDuration ends a relayed connection after this long. Default
	// DefaultRelayCircuitDuration.
	CircuitDuration time.Duration
	// CircuitBytes ends a relayed connection once it carried this many
	// bytes in either direction. Default DefaultRelayCircuitBytes.
	CircuitBytes int64
	// ReservationTTL is how long a reservation lasts unless refreshed.
	// Default DefaultRelayReservationTTL.
	ReservationTTL time.Duration
	// MaxConnections bounds the relay's connections. Default
	// DefaultRelayMaxConnections.
	MaxConnections int
}

func (l RelayLimits) withDefaults() RelayLimits {
	if l.MaxReservations == 0 {
		l.MaxReservations = DefaultRelayMaxReservations
	}
	if l.MaxCircuits == 0 {
		l.MaxCircuits = DefaultRelayMaxCircuits
	}
	if l.CircuitDuration == 0 {
		l.CircuitDuration = DefaultRelayCircuitDuration
	}
	if l.CircuitBytes == 0 {
		l.CircuitBytes = DefaultRelayCircuitBytes
	}
	if l.ReservationTTL == 0 {
		l.ReservationTTL = DefaultRelayReservationTTL
	}
	if l.MaxConnections == 0 {
		l.MaxConnections = DefaultRelayMaxConnections
	}
	return l
}

func (l RelayLimits) check() *ConfigError {
	bad := func(attr, problem string) *ConfigError {
		return configErr([]string{attr}, "leave it out for the default, or give a positive value", problem)
	}
	switch {
	case l.MaxReservations < 1:
		return bad("max_reservations", fmt.Sprintf("max_reservations must be 1 or more, got %d", l.MaxReservations))
	case l.MaxCircuits < 1:
		return bad("max_circuits", fmt.Sprintf("max_circuits must be 1 or more, got %d", l.MaxCircuits))
	case l.CircuitDuration < time.Second:
		return bad("circuit_duration", fmt.Sprintf("a circuit must be allowed at least a second, got %v", l.CircuitDuration))
	case l.CircuitBytes < 1<<20:
		return bad("circuit_bytes", fmt.Sprintf("a circuit must be allowed at least 1 MiB (envelopes are up to 128 KiB), got %d", l.CircuitBytes))
	case l.ReservationTTL < time.Minute:
		return bad("reservation_ttl", fmt.Sprintf("a reservation must last at least a minute, got %v", l.ReservationTTL))
	case l.MaxConnections < 2:
		return bad("max_connections", fmt.Sprintf("a relay needs at least 2 connections, got %d", l.MaxConnections))
	}
	return nil
}

// RelayConfig configures a Relay. A *ConfigError from NewRelay names its
// field as a relay's config block would: listen, identity_key_file,
// allow, and the limits max_reservations, max_circuits, circuit_duration,
// circuit_bytes, reservation_ttl and max_connections.
type RelayConfig struct {
	// Listen are the addresses nodes reach the relay at: "host:port" (TCP)
	// or TCP and QUIC multiaddrs. Required: a relay must be reachable by
	// the nodes that cannot reach each other.
	Listen []string
	// Identity is the relay's Ed25519 private key (LoadKeyFile or
	// LoadOrCreateKeyFile read one); nodes configure its public key.
	// Required.
	Identity ed25519.PrivateKey
	// Allow, if not empty, are the only keys that may use the relay: any
	// other key's connection is closed once its handshake proved it, so it
	// can neither reserve a slot nor dial through the relay. Empty: any
	// node may (the relay carries only ciphertext, but it spends its
	// bandwidth on anyone).
	Allow []ed25519.PublicKey
	// Limits bound reservations and relayed connections; zero fields take
	// defaults.
	Limits RelayLimits
	// Logger receives reservations refused, refused keys and errors; nil
	// discards them.
	Logger hclog.Logger

	// tap, if set, wraps every stream the relay service accepts (a
	// reservation, or one end of a circuit, whose bytes it copies to the
	// other): tests use it to see, or change, what a relay carries.
	tap func(network.Stream) network.Stream
}

// tappedHost gives the relay service streams wrapped by tap.
type tappedHost struct {
	host.Host
	tap func(network.Stream) network.Stream
}

func (t tappedHost) SetStreamHandler(pid protocol.ID, handler network.StreamHandler) {
	t.Host.SetStreamHandler(pid, func(s network.Stream) { handler(t.tap(s)) })
}

// Relay is a circuit relay (libp2p circuit relay v2): nodes that cannot
// reach each other hold a reservation on it, and it joins their
// connections, copying bytes it cannot read (the nodes run Noise end to
// end through it). It serves nothing else: no envelope protocol, no
// discovery. Make one with NewRelay.
type Relay struct {
	h      host.Host
	svc    *relayv2.Relay
	pub    ed25519.PublicKey
	logger hclog.Logger

	closeOnce sync.Once
	closeErr  error
}

// NewRelay starts a relay listening on cfg.Listen. A mistake in cfg is a
// *ConfigError naming the attribute.
func NewRelay(cfg RelayConfig) (*Relay, error) {
	key, err := privateKey(cfg.Identity)
	if err != nil {
		return nil, configErr([]string{"identity_key_file"}, "give the relay an Ed25519 private key of its own (LoadOrCreateKeyFile)", "identity: "+err.Error())
	}
	if len(cfg.Listen) == 0 {
		return nil, configErr([]string{"listen"}, "give the address (or addresses) the nodes reach the relay at, e.g. 0.0.0.0:4001",
			"a relay needs an address to listen on")
	}
	var listen []ma.Multiaddr
	for i, a := range cfg.Listen {
		m, err := configAddr(a)
		if err != nil {
			return nil, configErr([]string{"listen", strconv.Itoa(i)}, "", "listen address: "+err.Error())
		}
		listen = append(listen, m)
	}
	limits := cfg.Limits.withDefaults()
	if cerr := limits.check(); cerr != nil {
		return nil, cerr
	}
	r := &Relay{pub: cfg.Identity.Public().(ed25519.PublicKey), logger: cfg.Logger}
	if r.logger == nil {
		r.logger = hclog.NewNullLogger()
	}
	var allow map[peer.ID]bool
	if len(cfg.Allow) > 0 {
		allow = map[peer.ID]bool{}
		for i, k := range cfg.Allow {
			id, err := PeerID(k)
			if err != nil {
				return nil, configErr([]string{"allow", strconv.Itoa(i)}, "give each allowed node's Ed25519 public key, 64 hex digits", err.Error())
			}
			allow[id] = true
		}
	}
	conns := rcmgr.LimitVal(limits.MaxConnections)
	rm, err := rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(rcmgr.PartialLimitConfig{
		System: rcmgr.ResourceLimits{Conns: conns, ConnsInbound: conns, ConnsOutbound: conns},
	}.Build(rcmgr.InfiniteLimits)), perAddressLimits(limits.MaxConnections)...)
	if err != nil {
		return nil, err
	}
	h, err := libp2p.New(
		libp2p.Identity(key),
		libp2p.ListenAddrs(listen...),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Transport(quic.NewTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.ResourceManager(rm),
		libp2p.ConnectionManager(connmgr.NullConnMgr{}),
		libp2p.ConnectionGater(relayGate{allow: allow, logger: r.logger}),
		libp2p.DisableRelay(), // the relay dials no circuits itself
		libp2p.DisableMetrics(),
		libp2p.DisableIdentifyAddressDiscovery(),
		libp2p.Ping(false),
		libp2p.UserAgent("aura-host-relay/"+Version),
	)
	if err != nil {
		rm.Close()
		return nil, err
	}
	r.h = h
	opts := []relayv2.Option{
		relayv2.WithResources(relayv2.Resources{
			Limit:                 &relayv2.RelayLimit{Duration: limits.CircuitDuration, Data: limits.CircuitBytes},
			ReservationTTL:        limits.ReservationTTL,
			MaxReservations:       limits.MaxReservations,
			MaxCircuits:           limits.MaxCircuits,
			BufferSize:            relayBufferSize,
			MaxReservationsPerIP:  limits.MaxReservations,
			MaxReservationsPerASN: limits.MaxReservations,
		}),
		// libp2p vouches only for public addresses in a reservation; a
		// relay on a private network is as good, so every direct address
		// is given.
		relayv2.WithReservationAddressFilter(func(a ma.Multiaddr) bool { return !isCircuit(a) }),
	}
	if allow != nil {
		opts = append(opts, relayv2.WithACL(relayACL(allow)))
	}
	var served host.Host = h
	if cfg.tap != nil {
		served = tappedHost{Host: h, tap: cfg.tap}
	}
	svc, err := relayv2.New(served, opts...)
	if err != nil {
		h.Close()
		return nil, err
	}
	r.svc = svc
	r.logger.Info("relay listening", "peer_id", h.ID().String(), "public_key", hex.EncodeToString(r.pub), "addrs", r.Addrs(),
		"allow", len(cfg.Allow), "max_reservations", limits.MaxReservations, "max_circuits", limits.MaxCircuits,
		"circuit_duration", limits.CircuitDuration.String(), "circuit_bytes", limits.CircuitBytes)
	return r, nil
}

// Addr returns an address the relay listens on: its first TCP address as
// host:port, else its first address as a multiaddr.
func (r *Relay) Addr() string {
	return firstAddr(r.h.Network().ListenAddresses())
}

// Addrs returns the addresses the relay listens on (TCP as host:port,
// QUIC as multiaddrs).
func (r *Relay) Addrs() []string {
	var out []string
	for _, a := range r.h.Network().ListenAddresses() {
		out = append(out, hostPort(a))
	}
	return out
}

// ID returns the relay's libp2p peer ID.
func (r *Relay) ID() peer.ID { return r.h.ID() }

// PublicKey returns the relay's Ed25519 public key, which nodes configure.
func (r *Relay) PublicKey() ed25519.PublicKey { return r.pub }

// Info returns what a node configures to use the relay: its Addr and key.
func (r *Relay) Info() RelayInfo { return RelayInfo{Address: r.Addr(), PublicKey: r.pub} }

// Close stops the relay service and closes every connection, ending every
// circuit through it. It is idempotent.
func (r *Relay) Close() error {
	r.closeOnce.Do(func() {
		r.svc.Close()
		r.closeErr = r.h.Close()
	})
	return r.closeErr
}

// relayGate admits every key, or only those allowed.
type relayGate struct {
	allow  map[peer.ID]bool // nil: every key
	logger hclog.Logger
}

func (g relayGate) InterceptPeerDial(p peer.ID) bool                                { return g.allow == nil || g.allow[p] }
func (g relayGate) InterceptAddrDial(peer.ID, ma.Multiaddr) bool                    { return true }
func (g relayGate) InterceptAccept(network.ConnMultiaddrs) bool                     { return true }
func (g relayGate) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) { return true, 0 }

func (g relayGate) InterceptSecured(dir network.Direction, p peer.ID, addrs network.ConnMultiaddrs) bool {
	if g.allow != nil && !g.allow[p] {
		g.logger.Warn("refusing a connection authenticated as a key not on the relay's allow list", "peer_id", p.String(),
			"remote", addrs.RemoteMultiaddr().String(), "direction", dir.String())
		return false
	}
	return true
}

// relayACL lets only allowed keys reserve, and only allowed keys dial
// through the relay.
type relayACL map[peer.ID]bool

func (a relayACL) AllowReserve(p peer.ID, _ ma.Multiaddr) bool              { return a[p] }
func (a relayACL) AllowConnect(src peer.ID, _ ma.Multiaddr, _ peer.ID) bool { return a[src] }
