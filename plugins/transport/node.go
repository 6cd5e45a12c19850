package transport

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/connmgr"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/protocol"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/networkops"
	"github.com/aurahost/aura-host/sdk"
)

// ProtocolID is the libp2p protocol of envelope streams.
const ProtocolID = protocol.ID("/aura/envelope/1.0.0")

// Node is one endpoint of the transport: a libp2p host with the node's
// key as its identity, listening on one address, accepting connections
// only from its configured peers, and buffering the envelopes addressed
// to it until they are taken. Make one with Listen; all methods are safe
// for concurrent use.
type Node struct {
	name    string
	pub     ed25519.PublicKey
	h       host.Host
	logger  hclog.Logger
	limits  Limits
	refused atomic.Int64 // connections closed before they authenticated
	wg      sync.WaitGroup
	done    chan struct{} // closed by Close

	mu         sync.Mutex
	room       *sync.Cond // signalled when the buffer shrinks or the node closes
	closed     bool
	peers      map[string]peer.ID // name → ID
	names      map[peer.ID]string // ID → name
	out        map[string]*outbound
	streams    map[network.Stream]bool // every open stream, to reset on Close
	channels   map[[2]string]bool      // (peer name, context key) that exchanged an envelope
	lastActive map[peer.ID]time.Time   // last envelope sent or received, per peer
	waiting    map[peer.ID]int         // readers of that peer waiting for buffer room
	inbox      []buffered
	bytes      int64            // encoded bytes buffered or being read, in all
	peerBytes  map[string]int64 // the same, per peer name
	arrived    chan struct{}    // closed and replaced when an envelope is buffered
}

// buffered is an envelope waiting to be taken, with the peer it came from
// and the bytes it counts against the limits.
type buffered struct {
	e    Envelope
	peer string
	size int64
}

// outbound is the stream this node opened to one peer; mu serialises
// opening and writing it.
type outbound struct {
	mu   sync.Mutex
	s    network.Stream // nil when not open
	done chan struct{}  // closed when s's watcher saw it end
}

// Listen starts a node listening on cfg.Listen.
func Listen(cfg Config) (*Node, error) {
	key, err := privateKey(cfg.Identity)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	limits := cfg.Limits.withDefaults()
	if _, err := limits.check(); err != nil {
		return nil, err
	}
	listen, err := Multiaddr(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen address: %w", err)
	}
	n := &Node{
		name: cfg.Name, pub: cfg.Identity.Public().(ed25519.PublicKey), logger: cfg.Logger, limits: limits, done: make(chan struct{}),
		peers: map[string]peer.ID{}, names: map[peer.ID]string{}, out: map[string]*outbound{},
		streams: map[network.Stream]bool{}, channels: map[[2]string]bool{}, lastActive: map[peer.ID]time.Time{},
		waiting: map[peer.ID]int{}, peerBytes: map[string]int64{}, arrived: make(chan struct{}),
	}
	if n.logger == nil {
		n.logger = hclog.NewNullLogger()
	}
	n.room = sync.NewCond(&n.mu)
	type addrPeer struct {
		name string
		id   peer.ID
		addr ma.Multiaddr
	}
	var known []addrPeer
	for _, name := range slices.Sorted(maps.Keys(cfg.Peers)) {
		p := cfg.Peers[name]
		id, err := PeerID(p.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("peer %s: public key: %w", name, err)
		}
		addr, err := Multiaddr(p.Address)
		if err != nil {
			return nil, fmt.Errorf("peer %s: address: %w", name, err)
		}
		if other, dup := n.names[id]; dup {
			return nil, fmt.Errorf("peers %s and %s have the same public key", other, name)
		}
		n.peers[name], n.names[id] = id, name
		known = append(known, addrPeer{name, id, addr})
	}
	rm, err := resourceManager(limits)
	if err != nil {
		return nil, err
	}
	h, err := libp2p.New(
		libp2p.Identity(key),
		libp2p.ListenAddrs(listen),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.ResourceManager(resources{ResourceManager: rm, n: n}),
		libp2p.ConnectionManager(connmgr.NullConnMgr{}),
		libp2p.ConnectionGater(gate{n}),
		libp2p.DisableRelay(),
		libp2p.DisableMetrics(),
		libp2p.ForceReachabilityPrivate(),
		libp2p.DisableIdentifyAddressDiscovery(),
		libp2p.Ping(false),
		libp2p.UserAgent("aura-host/"+Version),
	)
	if err != nil {
		rm.Close()
		return nil, err
	}
	n.h = h
	if n.name == "" {
		n.name = h.ID().String()
	}
	for _, p := range known {
		h.Peerstore().AddAddr(p.id, p.addr, peerstore.PermanentAddrTTL)
	}
	h.SetStreamHandler(ProtocolID, n.serveInbound)
	n.wg.Add(1)
	go n.closeIdle()
	return n, nil
}

// resourceManager is libp2p's resource manager with the node's limits on
// connections, streams and multiplexer memory, and no limit it does not
// set (libp2p's defaults scale with the machine).
func resourceManager(l Limits) (network.ResourceManager, error) {
	conns, streams := rcmgr.LimitVal(l.MaxConnections), rcmgr.LimitVal(l.MaxConnections*l.MaxStreamsPerPeer)
	perPeerStreams := rcmgr.LimitVal(l.MaxStreamsPerPeer)
	limits := rcmgr.PartialLimitConfig{
		System: rcmgr.ResourceLimits{Conns: conns, ConnsInbound: conns, ConnsOutbound: conns,
			Streams: streams, StreamsInbound: streams, StreamsOutbound: streams, Memory: rcmgr.LimitVal64(l.StreamMemory)},
		Transient: rcmgr.ResourceLimits{Conns: conns, ConnsInbound: conns, ConnsOutbound: conns,
			Streams: streams, StreamsInbound: streams, StreamsOutbound: streams, Memory: rcmgr.LimitVal64(l.StreamMemory / 4)},
		PeerDefault: rcmgr.ResourceLimits{Streams: perPeerStreams, StreamsInbound: perPeerStreams, StreamsOutbound: perPeerStreams,
			Memory: rcmgr.LimitVal64(l.StreamMemory / 4)},
	}.Build(rcmgr.InfiniteLimits)
	return rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(limits), rcmgr.WithMetricsDisabled())
}

// Multiaddr turns "host:port" (an IP address, or "localhost") or a
// multiaddr into a multiaddr. A host name other than localhost is refused
// rather than looked up: the transport makes no DNS request of its own.
func Multiaddr(addr string) (ma.Multiaddr, error) {
	if strings.HasPrefix(addr, "/") {
		return ma.NewMultiaddr(addr)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(host)
	p, perr := strconv.ParseUint(port, 10, 16)
	if err != nil || perr != nil {
		return nil, fmt.Errorf("%q is not an IP address and port", addr)
	}
	return manet.FromNetAddr(net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(p))))
}

// Addr returns the address the node listens on, as host:port.
func (n *Node) Addr() string {
	for _, a := range n.h.Network().ListenAddresses() {
		if na, err := manet.ToNetAddr(a); err == nil {
			return na.String()
		}
	}
	return ""
}

// Name returns the node's name.
func (n *Node) Name() string { return n.name }

// PublicKey returns the node's Ed25519 public key, which its peers
// configure to authenticate it.
func (n *Node) PublicKey() ed25519.PublicKey { return n.pub }

// ID returns the node's libp2p peer ID.
func (n *Node) ID() peer.ID { return n.h.ID() }

// Refused returns how many connections were closed before they
// authenticated as a configured peer.
func (n *Node) Refused() int64 { return n.refused.Load() }

// SetPeer adds a peer or changes its address and key.
func (n *Node) SetPeer(name string, p Peer) error {
	id, err := PeerID(p.PublicKey)
	if err != nil {
		return err
	}
	addr, err := Multiaddr(p.Address)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if other, dup := n.names[id]; dup && other != name {
		return fmt.Errorf("peer %s already has this public key", other)
	}
	if old, ok := n.peers[name]; ok {
		delete(n.names, old)
		n.h.Peerstore().ClearAddrs(old)
	}
	n.peers[name], n.names[id] = id, name
	n.h.Peerstore().AddAddr(id, addr, peerstore.PermanentAddrTTL)
	return nil
}

func (n *Node) peerName(id peer.ID) (string, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	name, ok := n.names[id]
	return name, ok
}

// isClosed reports whether Close was called.
func (n *Node) isClosed() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.closed
}

// Close stops listening, closes every connection and returns once every
// goroutine of the node has ended. It is idempotent.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		n.wg.Wait()
		return nil
	}
	n.closed = true
	close(n.done)
	streams := slices.Collect(maps.Keys(n.streams))
	n.room.Broadcast()
	n.mu.Unlock()
	n.h.RemoveStreamHandler(ProtocolID)
	for _, s := range streams {
		s.Reset()
	}
	err := n.h.Close()
	n.wg.Wait()
	return err
}

// enter registers a goroutine working on s; false if the node is closing.
func (n *Node) enter(s network.Stream) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return false
	}
	n.wg.Add(1)
	n.streams[s] = true
	return true
}

func (n *Node) leave(s network.Stream) {
	n.mu.Lock()
	delete(n.streams, s)
	n.mu.Unlock()
	n.wg.Done()
}

// refuse closes the connection of s for reason, logged with the peer.
func (n *Node) refuse(s network.Stream, peerName, reason string, args ...any) {
	n.logger.Warn("closing the connection of peer "+peerName+": "+reason, args...)
	s.Reset()
	s.Conn().Close()
}

// serveInbound reads envelopes from a stream a peer opened, until it ends.
// The gate let only configured peers connect, so the peer is known.
func (n *Node) serveInbound(s network.Stream) {
	if !n.enter(s) {
		s.Reset()
		return
	}
	defer n.leave(s)
	id := s.Conn().RemotePeer()
	name, ok := n.peerName(id)
	if !ok { // a peer removed since it connected
		n.logger.Warn("refusing a stream from a peer no longer configured", "peer_id", id.String())
		s.Reset()
		return
	}
	for {
		var head [4]byte
		if _, err := io.ReadFull(s, head[:]); err != nil {
			if !errors.Is(err, io.EOF) {
				n.logger.Debug("inbound stream ended", "peer", name, "error", err)
			}
			s.Reset()
			return
		}
		size := int64(binary.BigEndian.Uint32(head[:]))
		if size > int64(n.limits.MaxEnvelopeBytes) {
			n.refuse(s, name, "envelope larger than max_envelope_bytes", "bytes", size, "max_envelope_bytes", n.limits.MaxEnvelopeBytes)
			return
		}
		if !n.reserve(id, name, size) {
			s.Reset()
			return
		}
		e, err := n.readEnvelope(s, size)
		if err != nil {
			n.release(name, size)
			if errors.Is(err, errRefused) {
				n.refuse(s, name, err.Error())
			} else {
				n.logger.Debug("inbound stream ended", "peer", name, "error", err)
				s.Reset()
			}
			return
		}
		if src := resolve(e.Source); src != name {
			n.release(name, size)
			n.refuse(s, name, "an envelope's source is not the authenticated peer", "source", src)
			return
		}
		if dst := resolve(e.Destination); dst != n.name {
			n.release(name, size)
			n.refuse(s, name, "an envelope is addressed to another node", "destination", dst, "node", n.name)
			return
		}
		n.commit(id, name, e, size)
	}
}

var errRefused = errors.New("refused")

func (n *Node) readEnvelope(s network.Stream, size int64) (Envelope, error) {
	buf := make([]byte, size)
	if _, err := io.ReadFull(s, buf); err != nil {
		return Envelope{}, err
	}
	v, err := effects.DecodeCanonical(buf)
	if err != nil {
		return Envelope{}, fmt.Errorf("%w: an envelope does not decode: %v", errRefused, err)
	}
	e, err := networkops.ParseEnvelope(v)
	if err != nil {
		return Envelope{}, fmt.Errorf("%w: a malformed envelope: %v", errRefused, err)
	}
	return e, nil
}

// closeIdle closes connections that carried no envelope for the idle
// timeout, checking a few times per timeout.
func (n *Node) closeIdle() {
	defer n.wg.Done()
	every := min(max(n.limits.IdleTimeout/4, 5*time.Millisecond), time.Second)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-n.done:
			return
		case <-tick.C:
		}
		now := time.Now()
		for _, c := range n.h.Network().Conns() {
			id := c.RemotePeer()
			n.mu.Lock()
			last, waiting, name := n.lastActive[id], n.waiting[id] > 0, n.names[id]
			n.mu.Unlock()
			if opened := c.Stat().Opened; opened.After(last) {
				last = opened
			}
			if waiting || now.Sub(last) < n.limits.IdleTimeout {
				continue
			}
			n.logger.Info("closing an idle connection", "peer", name, "idle", now.Sub(last).Round(time.Millisecond).String(),
				"idle_timeout", n.limits.IdleTimeout.String())
			c.Close()
		}
	}
}

// resolve turns an address into a node name: a string is the name, a
// bytes value is named by its lower-case hex.
func resolve(dst sdk.Value) string {
	if s, ok := dst.AsString(); ok {
		return s
	}
	return hex.EncodeToString([]byte(dst.BytesString()))
}

// Send writes the envelope to the stream to its destination's peer,
// connecting and opening the stream first if need be. It returns once the
// whole frame is written; an error means the envelope may or may not have
// arrived. A peer that does not read (its buffer is full) makes the write
// block until ctx ends: then Send returns a retryable unavailable error.
func (n *Node) Send(ctx context.Context, e Envelope) error {
	name := resolve(e.Destination)
	enc := e.Value().Canonical()
	if len(enc) > n.limits.MaxEnvelopeBytes {
		return sdk.Errorf(sdk.CodeInvalidArgs, "the envelope's encoding is %d bytes, more than the %d max_envelope_bytes allows", len(enc), n.limits.MaxEnvelopeBytes)
	}
	frame := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(enc)), uint32(len(enc)))
	frame = append(frame, enc...)
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return sdk.Errorf(sdk.CodeUnavailable, "the transport is closed")
	}
	id, known := n.peers[name]
	oc := n.out[name]
	if oc == nil {
		oc = &outbound{}
		n.out[name] = oc
	}
	n.mu.Unlock()
	if !known {
		return sdk.Errorf(sdk.CodeNotFound, "no peer named %q: the transport's peers are %v", name, n.peerNames())
	}

	oc.mu.Lock()
	defer oc.mu.Unlock()
	if oc.s != nil {
		select {
		case <-oc.done: // the peer closed it: open another
			oc.s = nil
		default:
		}
	}
	if oc.s == nil {
		if err := n.open(ctx, oc, name, id); err != nil {
			return err
		}
	}
	if err := write(ctx, oc.s, frame); err != nil {
		// A partial frame leaves the stream unusable. Closing its write
		// side (not resetting it) lets the peer still read the whole
		// frames before it, which were reported sent; it drops the partial
		// one at the end of the stream. The watcher ends once the peer
		// does.
		oc.s.CloseWrite()
		oc.s = nil
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(ctxErr, context.DeadlineExceeded) {
			return ctxErr
		}
		return sdk.Errorf(sdk.CodeUnavailable, "sending to %s: %v (the peer may be slow to receive: retry later)", name, err)
	}
	n.mu.Lock()
	n.channels[[2]string{name, networkops.AddressKey(e.Context)}] = true
	n.lastActive[id] = time.Now()
	n.mu.Unlock()
	return nil
}

// open connects to a peer (proving each other's keys) and opens an
// envelope stream. Called with oc.mu.
func (n *Node) open(ctx context.Context, oc *outbound, name string, id peer.ID) error {
	s, err := n.h.NewStream(ctx, id, ProtocolID)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		n.logger.Warn("could not connect to peer "+name+" (unreachable, or it did not prove its key)", "peer_id", id.String(), "error", err)
		return sdk.Errorf(sdk.CodeUnavailable, "connecting to %s (%s): %v", name, id, err)
	}
	if !n.enter(s) {
		s.Reset()
		return sdk.Errorf(sdk.CodeUnavailable, "the transport is closed")
	}
	done := make(chan struct{})
	oc.s, oc.done = s, done
	go func() {
		// The peer never writes on a stream it accepted; reading only
		// notices when it ends, so the next send opens another.
		defer n.leave(s)
		defer close(done)
		var b [1]byte
		s.Read(b[:])
		s.Reset()
	}()
	return nil
}

// write writes b to s within ctx: its deadline, and its cancellation,
// interrupt the write.
func write(ctx context.Context, s network.Stream, b []byte) error {
	if dl, ok := ctx.Deadline(); ok {
		s.SetWriteDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { s.SetWriteDeadline(time.Unix(1, 0)) })
	defer stop()
	_, err := s.Write(b)
	s.SetWriteDeadline(time.Time{})
	return err
}

func (n *Node) peerNames() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Sorted(maps.Keys(n.peers))
}

// ConnectedPeers returns the names of the configured peers with a live
// (authenticated) connection, dialled or accepted, sorted.
func (n *Node) ConnectedPeers() []string {
	n.mu.Lock()
	peers := maps.Clone(n.peers)
	n.mu.Unlock()
	var out []string
	for name, id := range peers {
		if n.h.Network().Connectedness(id) == network.Connected {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// ChannelEstablished reports whether an envelope in context went to or
// came from peer and a connection with peer is live now.
func (n *Node) ChannelEstablished(context sdk.Value, peer string) bool {
	n.mu.Lock()
	used := n.channels[[2]string{peer, networkops.AddressKey(context)}]
	id, ok := n.peers[peer]
	n.mu.Unlock()
	return used && ok && n.h.Network().Connectedness(id) == network.Connected
}
