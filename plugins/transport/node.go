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
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/connmgr"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/networkops"
	"github.com/aurahost/aura-host/sdk"
)

// ProtocolID is the libp2p protocol of envelope streams.
const ProtocolID = protocol.ID("/aura/envelope/1.0.0")

// Node is one endpoint of the transport: a libp2p host with the node's
// key as its identity, listening on its TCP and QUIC addresses, accepting
// connections only from its configured peers (and relays), and buffering
// the envelopes addressed to it until they are taken. It may keep
// reservations on relays so that peers reach it through them, and dials
// peers directly or through their relays. Make one with Listen; all
// methods are safe for concurrent use.
type Node struct {
	name    string
	pub     ed25519.PublicKey
	h       host.Host
	logger  hclog.Logger
	limits  Limits
	refused atomic.Int64 // connections closed before they authenticated
	wg      sync.WaitGroup
	done    chan struct{} // closed by Close
	life    context.Context
	end     context.CancelFunc // cancels life, in Close

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

	holePunching bool
	ownRelays    map[peer.ID]*reservation // the relays this node reserves a slot on
	peerRelays   map[string]peer.ID       // peer name → the relay it is reachable through
	relayIDs     map[peer.ID]bool         // both: the keys the gater lets in as relays
	reserved     chan struct{}            // closed and replaced when a reservation is made or lost
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
	// unreachable is set by a failed connection and cleared by the next
	// good one: a peer that stays unreachable (retried sends during a
	// partition) is logged as a warning once, then at debug level.
	unreachable bool
}

// Listen starts a node listening on cfg.Listen. A mistake in cfg is a
// *ConfigError naming the attribute.
func Listen(cfg Config) (*Node, error) {
	key, err := privateKey(cfg.Identity)
	if err != nil {
		return nil, configErr([]string{"identity_key_file"}, "give the node's Ed25519 private key", "identity: "+err.Error())
	}
	limits := cfg.Limits.withDefaults()
	if attr, err := limits.check(); err != nil {
		return nil, configErr([]string{attr}, "", err.Error())
	}
	listen, err := listenAddrs(cfg)
	if err != nil {
		return nil, err
	}
	n := &Node{
		name: cfg.Name, pub: cfg.Identity.Public().(ed25519.PublicKey), logger: cfg.Logger, limits: limits, done: make(chan struct{}),
		peers: map[string]peer.ID{}, names: map[peer.ID]string{}, out: map[string]*outbound{},
		streams: map[network.Stream]bool{}, channels: map[[2]string]bool{}, lastActive: map[peer.ID]time.Time{},
		waiting: map[peer.ID]int{}, peerBytes: map[string]int64{}, arrived: make(chan struct{}),
		ownRelays: map[peer.ID]*reservation{}, peerRelays: map[string]peer.ID{}, relayIDs: map[peer.ID]bool{},
		reserved: make(chan struct{}),
	}
	n.life, n.end = context.WithCancel(context.Background())
	if n.logger == nil {
		n.logger = hclog.NewNullLogger()
	}
	n.room = sync.NewCond(&n.mu)
	relays, known, err := n.configure(cfg)
	if err != nil {
		return nil, err
	}
	rm, err := resourceManager(limits, slices.Collect(maps.Keys(n.relayIDs)))
	if err != nil {
		n.end()
		return nil, err
	}
	opts := []libp2p.Option{
		libp2p.Identity(key),
		libp2p.ListenAddrs(listen...),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Transport(quic.NewTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.ResourceManager(resources{ResourceManager: rm, n: n}),
		libp2p.ConnectionManager(connmgr.NullConnMgr{}),
		libp2p.ConnectionGater(gate{n}),
		// The relay client: dialling /p2p-circuit addresses and accepting
		// connections a relay brings. Either is gated like any other.
		libp2p.EnableRelay(),
		libp2p.DisableMetrics(),
		libp2p.ForceReachabilityPrivate(),
		libp2p.Ping(false),
		libp2p.UserAgent("aura-host/" + Version),
	}
	if len(n.relayIDs) > 0 && !cfg.DisableHolePunching {
		// Hole punching needs the addresses peers observe this node at
		// (identify's address discovery); only then is it enabled.
		n.holePunching = true
		opts = append(opts, libp2p.EnableHolePunching())
	} else {
		opts = append(opts, libp2p.DisableIdentifyAddressDiscovery())
	}
	h, err := libp2p.New(opts...)
	if err != nil {
		n.end()
		rm.Close()
		return nil, err
	}
	n.h = h
	if n.name == "" {
		n.name = h.ID().String()
	}
	for _, p := range known {
		n.addAddrs(p)
	}
	h.SetStreamHandler(ProtocolID, n.serveInbound)
	n.wg.Add(1)
	go n.closeIdle()
	n.keepReservations(relays)
	return n, nil
}

// listenAddrs are the addresses cfg listens on (DefaultListen without
// any), each checked, a mistake naming its config attribute.
func listenAddrs(cfg Config) ([]ma.Multiaddr, error) {
	addrs := cfg.ListenAddresses
	if cfg.Listen != "" {
		addrs = append([]string{cfg.Listen}, addrs...)
	}
	if len(addrs) == 0 {
		addrs = []string{DefaultListen}
	}
	var listen []ma.Multiaddr
	for i, a := range addrs {
		m, err := configAddr(a)
		if err != nil {
			path := []string{"listen"}
			if len(addrs) > 1 {
				path = append(path, strconv.Itoa(i))
			}
			return nil, configErr(path, "", "listen address: "+err.Error())
		}
		listen = append(listen, m)
	}
	return listen, nil
}

// configure takes cfg's relays and peers into the new node (before its
// host exists): the relays to reserve on, and the peers with their
// resolved IDs and addresses, refusing a relay listed twice, two peers
// with one key, and a peer with a relay's key.
func (n *Node) configure(cfg Config) ([]*reservation, []resolvedPeer, error) {
	var relays []*reservation
	for i, r := range cfg.Relays {
		rv, err := newReservation(r)
		if err != nil {
			err.Path = append([]string{"relays", strconv.Itoa(i)}, err.Path...)
			return nil, nil, err
		}
		if _, dup := n.ownRelays[rv.id]; dup {
			return nil, nil, configErr([]string{"relays", strconv.Itoa(i), "public_key"}, "list each relay once", "the same relay is listed twice")
		}
		n.ownRelays[rv.id] = rv
		relays = append(relays, rv)
	}
	var known []resolvedPeer
	for _, name := range slices.Sorted(maps.Keys(cfg.Peers)) {
		rp, err := resolvePeer(cfg.Peers[name])
		if err != nil {
			err.Path = append([]string{"peers", name}, err.Path...)
			return nil, nil, err
		}
		if other, dup := n.names[rp.id]; dup {
			return nil, nil, configErr([]string{"peers", name, "public_key"}, "give each peer its own key",
				fmt.Sprintf("peers %s and %s have the same public key", other, name))
		}
		n.peers[name], n.names[rp.id] = rp.id, name
		if rp.relay != nil {
			n.peerRelays[name] = rp.relay.id
		}
		known = append(known, rp)
	}
	n.relayIDsLocked()
	for id := range n.relayIDs {
		if name, ok := n.names[id]; ok {
			return nil, nil, configErr([]string{"peers", name, "public_key"}, "run the relay with a key of its own",
				fmt.Sprintf("peer %s has the public key of a relay: a relay is not a peer", name))
		}
	}
	return relays, known, nil
}

// Addr returns an address the node listens on: its first TCP address as
// host:port, else its first address as a multiaddr.
func (n *Node) Addr() string {
	return firstAddr(n.h.Network().ListenAddresses())
}

// firstAddr is the first TCP address as host:port, else the first other
// non-circuit address as a multiaddr.
func firstAddr(addrs []ma.Multiaddr) string {
	addrs = slices.DeleteFunc(slices.Clone(addrs), isCircuit)
	for _, a := range addrs {
		if _, err := a.ValueForProtocol(ma.P_TCP); err == nil {
			return hostPort(a)
		}
	}
	if len(addrs) > 0 {
		return addrs[0].String()
	}
	return ""
}

// Addrs returns the addresses the node listens on (TCP as host:port, QUIC
// as multiaddrs), then the circuit addresses of the relays it holds a
// reservation on (relay address /p2p/<relay id>/p2p-circuit): every
// address a peer may be given.
func (n *Node) Addrs() []string {
	var out []string
	for _, a := range n.h.Network().ListenAddresses() {
		if !isCircuit(a) {
			out = append(out, hostPort(a))
		}
	}
	return append(out, n.circuitAddrs()...)
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
	n.end()
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
	if !ok { // a relay, or a peer removed since it connected
		if n.isRelay(id) {
			n.logger.Warn("refusing an envelope stream from a relay: a relay is not a peer", "peer_id", id.String())
		} else {
			n.logger.Warn("refusing a stream from a peer no longer configured", "peer_id", id.String())
		}
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
			last, waiting, name, relay := n.lastActive[id], n.waiting[id] > 0, n.names[id], n.relayIDs[id]
			n.mu.Unlock()
			if relay && !isCircuit(c.RemoteMultiaddr()) {
				continue // the connection a reservation lives on; it carries no envelope
			}
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
			if oc.s.Conn().Stat().Limited && n.h.Network().Connectedness(id) == network.Connected {
				// A direct connection now exists beside the relayed one
				// (hole punching, or the peer dialled in): move to it. The
				// old stream's frames are all written; closing its write
				// side lets the peer read them.
				oc.s.CloseWrite()
				oc.s = nil
			}
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
	// A relayed connection is "limited" in libp2p's terms (the relay may
	// bound its bytes and duration); envelopes may use it: Noise runs end
	// to end over it, so the relay sees only ciphertext.
	s, err := n.h.NewStream(network.WithAllowLimitedConn(ctx, "envelopes may travel through a relay"), id, ProtocolID)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		log := n.logger.Warn
		if oc.unreachable {
			log = n.logger.Debug
		}
		log("could not connect to peer "+name+" (unreachable, or it did not prove its key)", "peer_id", id.String(), "error", err)
		oc.unreachable = true
		return sdk.Errorf(sdk.CodeUnavailable, "connecting to %s (%s): %v", name, id, err)
	}
	if oc.unreachable {
		oc.unreachable = false
		n.logger.Info("connected to peer "+name+" again", "peer_id", id.String())
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
// (authenticated) connection, dialled or accepted, direct or through a
// relay, sorted.
func (n *Node) ConnectedPeers() []string {
	n.mu.Lock()
	peers := maps.Clone(n.peers)
	n.mu.Unlock()
	var out []string
	for name, id := range peers {
		if n.connected(id) {
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
	return used && ok && n.connected(id)
}

// connected reports whether a live connection with id exists, direct or
// through a relay (libp2p calls a relayed one "limited").
func (n *Node) connected(id peer.ID) bool {
	c := n.h.Network().Connectedness(id)
	return c == network.Connected || c == network.Limited
}
