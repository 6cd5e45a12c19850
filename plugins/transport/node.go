package transport

import (
	"context"
	"encoding/hex"
	"errors"
	"maps"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/plugins/internal/networkops"
	"github.com/aurahost/aura-host/sdk"
)

// MaxBuffered bounds the envelopes a node holds for receive_envelope; past
// it, its connections stop reading until some are taken.
const MaxBuffered = 10_000

// Config configures a Node.
type Config struct {
	// Listen is the TCP address to listen on, e.g. "127.0.0.1:0" (port 0
	// picks a free port; Addr says which).
	Listen string
	// Name is this node's name, sent in the hello of every connection it
	// dials so that the peer knows who is connected. Empty: the address it
	// listens on.
	Name string
	// Peers maps the names of the peers this node sends to to their TCP
	// addresses ("host:port"). SetPeer adds or changes one later.
	Peers map[string]string
	// Logger receives connection errors; nil discards them.
	Logger hclog.Logger
}

// Node is one endpoint of the transport. Make one with Listen; all
// methods are safe for concurrent use.
type Node struct {
	name        string
	ln          net.Listener
	logger      hclog.Logger
	maxBuffered int
	wg          sync.WaitGroup // every goroutine the node started

	mu        sync.Mutex
	room      *sync.Cond // signalled when the buffer shrinks or the node closes
	closed    bool
	peers     map[string]string
	out       map[string]*outbound
	conns     map[net.Conn]bool  // every open connection, to close on Close
	connected map[string]int     // live connections per peer name, either way
	channels  map[[2]string]bool // (peer name, context key) that exchanged an envelope
	inbox     []Envelope
	arrived   chan struct{} // closed and replaced when an envelope is buffered
}

// outbound is the connection this node dialled to one peer; mu serialises
// dialling and writing on it.
type outbound struct {
	mu   sync.Mutex
	conn net.Conn      // nil when not connected
	done chan struct{} // closed when conn's reader saw it end
}

// Listen starts a node listening on cfg.Listen.
func Listen(cfg Config) (*Node, error) {
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, err
	}
	n := &Node{
		name: cfg.Name, ln: ln, logger: cfg.Logger, maxBuffered: MaxBuffered,
		peers: maps.Clone(cfg.Peers), out: map[string]*outbound{}, conns: map[net.Conn]bool{},
		connected: map[string]int{}, channels: map[[2]string]bool{}, arrived: make(chan struct{}),
	}
	if n.name == "" {
		n.name = ln.Addr().String()
	}
	if n.peers == nil {
		n.peers = map[string]string{}
	}
	if n.logger == nil {
		n.logger = hclog.NewNullLogger()
	}
	n.room = sync.NewCond(&n.mu)
	n.wg.Add(1)
	go n.accept()
	return n, nil
}

// Addr returns the address the node listens on.
func (n *Node) Addr() string { return n.ln.Addr().String() }

// Name returns the node's name.
func (n *Node) Name() string { return n.name }

// SetPeer adds or changes the address of a peer.
func (n *Node) SetPeer(name, addr string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.peers[name] = addr
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
	err := n.ln.Close()
	for c := range n.conns {
		c.Close()
	}
	n.room.Broadcast()
	n.mu.Unlock()
	n.wg.Wait()
	return err
}

// track registers a connection to close on Close; false if closing.
func (n *Node) track(c net.Conn) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return false
	}
	n.conns[c] = true
	return true
}

func (n *Node) untrack(c net.Conn, peer string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.conns, c)
	if peer != "" {
		if n.connected[peer]--; n.connected[peer] <= 0 {
			delete(n.connected, peer)
		}
	}
}

func (n *Node) accept() {
	defer n.wg.Done()
	for {
		c, err := n.ln.Accept()
		if err != nil {
			return // closed; a listener that fails otherwise cannot recover either
		}
		if !n.track(c) {
			c.Close()
			return
		}
		n.wg.Add(1)
		go n.serveInbound(c)
	}
}

// serveInbound reads a hello, then envelopes, until the connection ends.
func (n *Node) serveInbound(c net.Conn) {
	defer n.wg.Done()
	peer := ""
	defer func() { c.Close(); n.untrack(c, peer) }()
	hello, err := readFrame(c)
	name, ok := hello.Get("hello")
	if err != nil || !ok || name.Kind() != sdk.KindString || name.Len() == 0 {
		n.logger.Warn("closing a connection that did not start with a hello", "remote", c.RemoteAddr().String(), "error", err)
		return
	}
	peer, _ = name.AsString()
	n.mu.Lock()
	n.connected[peer]++
	n.mu.Unlock()
	for {
		v, err := readFrame(c)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				n.logger.Debug("inbound connection ended", "peer", peer, "error", err)
			}
			return
		}
		e, err := networkops.ParseEnvelope(v)
		if err != nil {
			n.logger.Warn("closing a connection that sent a malformed envelope", "peer", peer, "error", err)
			return
		}
		if !n.buffer(peer, e) {
			return
		}
	}
}

// buffer queues a received envelope, waiting for room; false if the node
// closed meanwhile.
func (n *Node) buffer(peer string, e Envelope) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for len(n.inbox) >= n.maxBuffered && !n.closed {
		n.room.Wait()
	}
	if n.closed {
		return false
	}
	n.inbox = append(n.inbox, e)
	n.channels[[2]string{peer, networkops.AddressKey(e.Context)}] = true
	close(n.arrived)
	n.arrived = make(chan struct{})
	return true
}

// resolve turns a destination into a peer name: a string is the name, a
// bytes value is named by its lower-case hex.
func resolve(dst sdk.Value) string {
	if s, ok := dst.AsString(); ok {
		return s
	}
	return hex.EncodeToString([]byte(dst.BytesString()))
}

// Send writes the envelope to the connection to its destination's peer,
// dialling it first if need be. It returns once the whole frame is
// written; an error means the envelope may or may not have arrived.
func (n *Node) Send(ctx context.Context, e Envelope) error {
	peer := resolve(e.Destination)
	frame, err := appendFrame(nil, e.Value())
	if err != nil {
		return sdk.Errorf(sdk.CodeInvalidArgs, "%v", err)
	}
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return sdk.Errorf(sdk.CodeUnavailable, "the transport is closed")
	}
	addr, known := n.peers[peer]
	oc := n.out[peer]
	if oc == nil {
		oc = &outbound{}
		n.out[peer] = oc
	}
	n.mu.Unlock()
	if !known {
		return sdk.Errorf(sdk.CodeNotFound, "no peer named %q: the transport's peers are %v", peer, n.peerNames())
	}

	oc.mu.Lock()
	defer oc.mu.Unlock()
	if oc.conn != nil {
		select {
		case <-oc.done: // the peer closed it: dial again
			oc.conn = nil
		default:
		}
	}
	if oc.conn == nil {
		if err := n.dial(ctx, oc, peer, addr); err != nil {
			return err
		}
	}
	if err := write(ctx, oc.conn, frame); err != nil {
		oc.conn.Close() // a partial frame leaves the stream unusable
		oc.conn = nil
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return sdk.Errorf(sdk.CodeUnavailable, "sending to %s at %s: %v", peer, addr, err)
	}
	n.mu.Lock()
	n.channels[[2]string{peer, networkops.AddressKey(e.Context)}] = true
	n.mu.Unlock()
	return nil
}

// dial connects to a peer and sends the hello. Called with oc.mu.
func (n *Node) dial(ctx context.Context, oc *outbound, peer, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return sdk.Errorf(sdk.CodeUnavailable, "connecting to %s at %s: %v", peer, addr, err)
	}
	hello, _ := appendFrame(nil, sdk.Map(map[string]sdk.Value{"hello": sdk.String(n.name)}))
	if err := write(ctx, c, hello); err != nil {
		c.Close()
		return sdk.Errorf(sdk.CodeUnavailable, "greeting %s at %s: %v", peer, addr, err)
	}
	if !n.track(c) {
		c.Close()
		return sdk.Errorf(sdk.CodeUnavailable, "the transport is closed")
	}
	n.mu.Lock()
	n.connected[peer]++
	n.mu.Unlock()
	done := make(chan struct{})
	oc.conn, oc.done = c, done
	n.wg.Add(1)
	go func() {
		// The peer never writes on a connection it accepted; reading only
		// notices when it closes, so the next send dials again.
		defer n.wg.Done()
		defer close(done)
		var b [1]byte
		c.Read(b[:])
		c.Close()
		n.untrack(c, peer)
	}()
	return nil
}

// write writes b to c within ctx: its deadline, and its cancellation,
// interrupt the write.
func write(ctx context.Context, c net.Conn, b []byte) error {
	if dl, ok := ctx.Deadline(); ok {
		c.SetWriteDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { c.SetWriteDeadline(time.Unix(1, 0)) })
	defer stop()
	_, err := c.Write(b)
	c.SetWriteDeadline(time.Time{})
	return err
}

func (n *Node) peerNames() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Sorted(maps.Keys(n.peers))
}

// Receive takes the oldest buffered envelope for destination, or the
// oldest of all if destination is null.
func (n *Node) Receive(destination sdk.Value) (Envelope, bool) {
	if destination.IsNull() {
		return n.take(func(Envelope) bool { return true })
	}
	dst := networkops.AddressKey(destination)
	return n.take(func(e Envelope) bool { return networkops.AddressKey(e.Destination) == dst })
}

// ReceiveFrom takes the oldest buffered envelope from source in context
// (and for destination, unless it is null).
func (n *Node) ReceiveFrom(destination, source, context sdk.Value) (Envelope, bool) {
	src, ctx, dst := networkops.AddressKey(source), networkops.AddressKey(context), networkops.AddressKey(destination)
	return n.take(func(e Envelope) bool {
		return networkops.AddressKey(e.Source) == src && networkops.AddressKey(e.Context) == ctx && (destination.IsNull() || networkops.AddressKey(e.Destination) == dst)
	})
}

func (n *Node) take(match func(Envelope) bool) (Envelope, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	i := slices.IndexFunc(n.inbox, match)
	if i < 0 {
		return Envelope{}, false
	}
	e := n.inbox[i]
	n.inbox = slices.Delete(n.inbox, i, i+1)
	n.room.Broadcast()
	return e, true
}

// Buffered returns how many received envelopes wait to be taken.
func (n *Node) Buffered() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.inbox)
}

// WaitBuffered blocks until at least count envelopes are buffered, or ctx
// ends.
func (n *Node) WaitBuffered(ctx context.Context, count int) error {
	for {
		n.mu.Lock()
		have, arrived := len(n.inbox), n.arrived
		n.mu.Unlock()
		if have >= count {
			return nil
		}
		select {
		case <-arrived:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// ConnectedPeers returns the names of the peers with a live connection,
// dialled or accepted, sorted.
func (n *Node) ConnectedPeers() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Sorted(maps.Keys(n.connected))
}

// ChannelEstablished reports whether an envelope in context went to or
// came from peer and a connection with peer is live now.
func (n *Node) ChannelEstablished(context sdk.Value, peer string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.channels[[2]string{peer, networkops.AddressKey(context)}] && n.connected[peer] > 0
}
