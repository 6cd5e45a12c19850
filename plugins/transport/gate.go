package transport

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/x/rate"
	ma "github.com/multiformats/go-multiaddr"
)

// gate is the node's libp2p ConnectionGater: after the handshake (Noise
// over TCP or a relay's circuit, TLS 1.3 in QUIC) has proved which key the
// other side holds, it lets through only the keys of configured peers and
// of relays (the node's own and its peers'), before any stream is opened.
// A relay passes the gate but is not a peer: the envelope handler refuses
// a stream from a key that names no peer, so a relay cannot send an
// envelope.
type gate struct{ n *Node }

// admits reports whether p is a configured peer or relay, and which.
func (g gate) admits(p peer.ID) (name string, ok bool) {
	g.n.mu.Lock()
	defer g.n.mu.Unlock()
	if name, ok := g.n.names[p]; ok {
		return name, true
	}
	if g.n.relayIDs[p] {
		return "relay", true
	}
	return "", false
}

func (g gate) InterceptPeerDial(p peer.ID) bool {
	_, ok := g.admits(p)
	return ok
}

func (g gate) InterceptAddrDial(peer.ID, ma.Multiaddr) bool { return true }

func (g gate) InterceptAccept(network.ConnMultiaddrs) bool { return true }

func (g gate) InterceptSecured(dir network.Direction, p peer.ID, addrs network.ConnMultiaddrs) bool {
	name, ok := g.admits(p)
	if !ok {
		g.n.logger.Warn("refusing a connection authenticated as no configured peer", "peer_id", p.String(),
			"remote", addrs.RemoteMultiaddr().String(), "direction", dir.String())
		return false
	}
	g.n.logger.Debug("peer authenticated", "peer", name, "remote", addrs.RemoteMultiaddr().String(), "direction", dir.String())
	return true
}

func (g gate) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) { return true, 0 }

// resources wraps libp2p's resource manager to see every connection's
// life: one whose scope ends without a peer was closed before it
// authenticated (a failed Noise handshake, a plain TCP client, a refused
// key), and the node logs why.
type resources struct {
	network.ResourceManager
	n *Node
}

func (r resources) OpenConnection(dir network.Direction, usefd bool, endpoint ma.Multiaddr) (network.ConnManagementScope, error) {
	s, err := r.ResourceManager.OpenConnection(dir, usefd, endpoint)
	if err != nil {
		r.n.logger.Warn("refusing a connection: the resource manager's connection limit is reached",
			"remote", endpoint.String(), "direction", dir.String(), "max_connections", r.n.limits.MaxConnections, "error", err)
		return nil, err
	}
	return &connScope{ConnManagementScope: s, n: r.n, dir: dir, remote: endpoint}, nil
}

// connScope notes whether its connection authenticated.
type connScope struct {
	network.ConnManagementScope
	n             *Node
	dir           network.Direction
	remote        ma.Multiaddr
	authenticated atomic.Bool
	once          sync.Once
}

func (s *connScope) SetPeer(p peer.ID) error {
	err := s.ConnManagementScope.SetPeer(p)
	if err == nil {
		s.authenticated.Store(true)
	} else {
		s.n.logger.Warn("refusing a connection: the resource manager's per-peer limit is reached", "peer_id", p.String(), "error", err)
	}
	return err
}

func (s *connScope) Done() {
	s.once.Do(func() {
		if !s.authenticated.Load() {
			s.n.logger.Warn("closed a connection before it authenticated: it did not complete the Noise handshake as a configured peer, so nothing it sent was read",
				"remote", s.remote.String(), "direction", s.dir.String())
			s.n.refused.Add(1)
		}
	})
	s.ConnManagementScope.Done()
}

// perAddressLimits replace libp2p's limits per remote IP address (8
// connections at once, and new ones at 0.2 a second after a burst of 16),
// which count every connection a relay brings as one from the relay's
// address and every node behind one NAT as one: maxConns connections at
// once from one address (the node's whole bound), and new ones at 1 a
// second after a burst of 2 × maxConns. Loopback stays unlimited, as in
// libp2p.
func perAddressLimits(maxConns int) []rcmgr.Option {
	burst := 2 * maxConns
	return []rcmgr.Option{
		rcmgr.WithMetricsDisabled(),
		rcmgr.WithLimitPerSubnet(
			[]rcmgr.ConnLimitPerSubnet{{PrefixLength: 32, ConnCount: maxConns}},
			[]rcmgr.ConnLimitPerSubnet{{PrefixLength: 56, ConnCount: maxConns}}),
		rcmgr.WithConnRateLimiters(&rate.Limiter{
			NetworkPrefixLimits: []rate.PrefixLimit{
				{Prefix: netip.MustParsePrefix("127.0.0.0/8"), Limit: rate.Limit{}},
				{Prefix: netip.MustParsePrefix("::1/128"), Limit: rate.Limit{}},
			},
			SubnetRateLimiter: rate.SubnetLimiter{
				IPv4SubnetLimits: []rate.SubnetLimit{{PrefixLength: 32, Limit: rate.Limit{RPS: 1, Burst: burst}}},
				IPv6SubnetLimits: []rate.SubnetLimit{{PrefixLength: 56, Limit: rate.Limit{RPS: 1, Burst: burst}}},
				GracePeriod:      time.Minute,
			},
		}),
	}
}

// resourceManager is libp2p's resource manager with the node's limits on
// connections, streams and multiplexer memory, and no limit it does not
// set (libp2p's defaults scale with the machine).
//
// A relay's connection carries a stream per relayed connection (the
// circuit's own stream), so each relay known at Listen may have as many
// streams as the node has connections, more than a peer's
// max_streams_per_peer.
func resourceManager(l Limits, relays []peer.ID) (network.ResourceManager, error) {
	conns, streams := rcmgr.LimitVal(l.MaxConnections), rcmgr.LimitVal(l.MaxConnections*l.MaxStreamsPerPeer)
	perPeerStreams := rcmgr.LimitVal(l.MaxStreamsPerPeer)
	limits := rcmgr.PartialLimitConfig{
		System: rcmgr.ResourceLimits{Conns: conns, ConnsInbound: conns, ConnsOutbound: conns,
			Streams: streams, StreamsInbound: streams, StreamsOutbound: streams, Memory: rcmgr.LimitVal64(l.StreamMemory)},
		Transient: rcmgr.ResourceLimits{Conns: conns, ConnsInbound: conns, ConnsOutbound: conns,
			Streams: streams, StreamsInbound: streams, StreamsOutbound: streams, Memory: rcmgr.LimitVal64(l.StreamMemory / 4)},
		PeerDefault: rcmgr.ResourceLimits{Streams: perPeerStreams, StreamsInbound: perPeerStreams, StreamsOutbound: perPeerStreams,
			Memory: rcmgr.LimitVal64(l.StreamMemory / 4)},
	}
	relayStreams := rcmgr.LimitVal(l.MaxConnections + l.MaxStreamsPerPeer)
	for _, id := range relays {
		if limits.Peer == nil {
			limits.Peer = map[peer.ID]rcmgr.ResourceLimits{}
		}
		limits.Peer[id] = rcmgr.ResourceLimits{Streams: relayStreams, StreamsInbound: relayStreams, StreamsOutbound: relayStreams,
			Memory: rcmgr.LimitVal64(l.StreamMemory / 4)}
	}
	built := limits.Build(rcmgr.InfiniteLimits)
	return rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(built), perAddressLimits(l.MaxConnections)...)
}
