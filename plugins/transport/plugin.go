package transport

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/plugins/internal/networkops"
	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, as a deployment writes it in builtin = "...".
const Name = "transport"

// Family is the family of the plugin's operations: the network family that
// sim-network serves too.
const Family = "network"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// DefaultListen is the address listened on when the config names none.
const DefaultListen = "127.0.0.1:0"

// New returns the transport plugin, ready to Serve.
func New() *sdk.Plugin { return (&transport{}).plugin() }

// transport is one plugin instance: the node Configure started.
type transport struct {
	mu   sync.Mutex
	node *Node
	seq  uint64
}

func (t *transport) plugin() *sdk.Plugin {
	return &sdk.Plugin{
		Name:    Name,
		Version: Version,
		Config: []sdk.ConfigField{
			{
				Name:    "listen",
				Kind:    sdk.KindAny,
				Default: sdk.String(DefaultListen),
				Doc: "The address, or a list of addresses, to listen on for envelopes: host:port (TCP) or a TCP or QUIC " +
					"multiaddr, e.g. [\"0.0.0.0:4001\", \"/ip4/0.0.0.0/udp/4001/quic-v1\"]; port 0 picks a free port. " +
					"Only these addresses are listened on. Default " + DefaultListen + " (TCP, loopback only).",
			},
			{
				Name: "name",
				Kind: sdk.KindString,
				Doc: "This node's name: the destination of the envelopes it accepts (a string, or bytes whose lower-case " +
					"hex it is), and the name its peers list it under. Default: its libp2p peer ID.",
			},
			{
				Name: "identity_key_file",
				Kind: sdk.KindString,
				Doc: "A file holding this node's Ed25519 private key as its 32-byte seed (an agent's device key file), " +
					"mode 0600 and owned by the running user: the node's libp2p identity, proved to every peer. " +
					"Default: " + KeyFileName + " in the plugin's state directory, created on first use.",
			},
			{
				Name:    "peers",
				Kind:    sdk.KindMap,
				Default: sdk.Map(nil),
				Doc: "The only peers this node exchanges envelopes with: a map of peer name to {address = host:port or " +
					"TCP/QUIC multiaddr, or a list of them; public_key = the peer's Ed25519 public key, 64 hex digits; " +
					"optional relay = {address, public_key} of a relay the peer holds a reservation on, dialled " +
					"through when its addresses fail or when it has none}. A connection that does not prove one of " +
					"these keys (or a relay's) is closed before anything it sent is read; an envelope's source must be " +
					"the name of the peer that sent it. Through a relay, the two nodes still authenticate each other " +
					"end to end: the relay carries only ciphertext.",
			},
			{
				Name:    "relays",
				Kind:    sdk.KindList,
				Default: sdk.List(),
				Doc: "Relays this node reserves a slot on, so that peers that cannot reach its addresses reach it " +
					"through them: a list of {address = the relay's host:port or TCP/QUIC multiaddr, public_key = its " +
					"Ed25519 public key, 64 hex digits}. The node is then reachable at <relay address>/p2p/<relay " +
					"id>/p2p-circuit. A relay may connect but never send envelopes: it is not a peer.",
			},
			{
				Name:    "hole_punching",
				Kind:    sdk.KindBool,
				Default: sdk.Bool(true),
				Doc: "With relays (the node's or its peers'), try libp2p hole punching (DCUtR) over a relayed " +
					"connection to reach the peer directly through NATs. It needs a public address that a peer " +
					"observed; on a private network it does nothing and the relayed connection stays. Default true.",
			},
			intLimit("max_envelope_bytes", DefaultMaxEnvelopeBytes, "The largest envelope, in bytes of its encoding; a peer sending a larger one is disconnected."),
			intLimit("max_buffered_bytes_per_peer", DefaultMaxBufferedBytesPerPeer, "Bytes of received envelopes buffered from one peer; past it, that peer's sends block (back-pressure)."),
			intLimit("max_buffered_bytes", DefaultMaxBufferedBytes, "Bytes of received envelopes buffered from all peers; past it, every peer's sends block."),
			intLimit("max_buffered_envelopes", DefaultMaxBuffered, "Received envelopes buffered, whatever their size; past it, every peer's sends block."),
			intLimit("max_connections", DefaultMaxConnections, "Connections, inbound and outbound; more are refused by libp2p's resource manager."),
			intLimit("max_streams_per_peer", DefaultMaxStreamsPerPeer, "Streams one peer may have open at once."),
			intLimit("stream_memory_bytes", DefaultStreamMemory, "Memory libp2p's multiplexer may reserve for stream windows, in all (a quarter of it per peer)."),
			intLimit("idle_timeout_ms", DefaultIdleTimeout.Milliseconds(), "Milliseconds a connection may carry no envelope before it is closed."),
		},
		Configure:  t.configure,
		Operations: t.operations(),
	}
}

func intLimit(name string, def int64, doc string) sdk.ConfigField {
	return sdk.ConfigField{Name: name, Kind: sdk.KindInt, Default: sdk.Int(def), Doc: fmt.Sprintf("%s Default %d.", doc, def)}
}

func (t *transport) configure(_ context.Context, c *sdk.Configuration) error {
	cfg := Config{Peers: map[string]Peer{}, Logger: c.Logger}
	listen, err := addressList(c.Get("listen"), []string{"listen"}, "the address to listen on")
	if err != nil {
		return err
	}
	cfg.ListenAddresses = listen
	cfg.Name, _ = c.Get("name").AsString()
	for _, f := range c.Get("peers").Fields() {
		p, err := parsePeer(f.Key, f.Value)
		if err != nil {
			return err
		}
		cfg.Peers[f.Key] = p
	}
	for i, v := range c.Get("relays").Items() {
		r, err := parseRelay(v, []string{"relays", strconv.Itoa(i)})
		if err != nil {
			return err
		}
		cfg.Relays = append(cfg.Relays, r)
	}
	if v, ok := c.Get("hole_punching").AsBool(); ok {
		cfg.DisableHolePunching = !v
	}
	limits := map[string]*int64{}
	var maxEnvelope, maxBuffered, maxConns, maxStreams, idleMs int64
	limits["max_envelope_bytes"], limits["max_buffered_bytes_per_peer"] = &maxEnvelope, &cfg.Limits.MaxBufferedBytesPerPeer
	limits["max_buffered_bytes"], limits["max_buffered_envelopes"] = &cfg.Limits.MaxBufferedBytes, &maxBuffered
	limits["max_connections"], limits["max_streams_per_peer"] = &maxConns, &maxStreams
	limits["stream_memory_bytes"], limits["idle_timeout_ms"] = &cfg.Limits.StreamMemory, &idleMs
	for name, dst := range limits {
		if v, ok := c.Get(name).AsInt(); ok {
			if v < 1 || v > 1<<40 {
				return &sdk.ConfigError{Path: []string{name}, Summary: "invalid transport limit",
					Detail: fmt.Sprintf("%s must be between 1 and 2^40, got %d", name, v)}
			}
			*dst = v
		}
	}
	cfg.Limits.MaxEnvelopeBytes, cfg.Limits.MaxBuffered = int(maxEnvelope), int(maxBuffered)
	cfg.Limits.MaxConnections, cfg.Limits.MaxStreamsPerPeer = int(maxConns), int(maxStreams)
	cfg.Limits.IdleTimeout = time.Duration(idleMs) * time.Millisecond
	if attr, err := cfg.Limits.withDefaults().check(); err != nil {
		return &sdk.ConfigError{Path: []string{attr}, Summary: "invalid transport limit", Detail: err.Error()}
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	key, err := t.identity(c)
	if err != nil {
		return err
	}
	cfg.Identity = key
	node, err := Listen(cfg)
	var ce *ConfigError
	if errors.As(err, &ce) {
		return &sdk.ConfigError{Path: ce.Path, Summary: "invalid transport configuration", Detail: ce.Error()}
	}
	if err != nil {
		return &sdk.ConfigError{Path: []string{"listen"}, Summary: "cannot listen for envelopes",
			Detail: fmt.Sprintf("listening on %q: %v", cfg.Listen, err)}
	}
	// The public key is what the node's peers write in their peers block.
	cfg.Logger.Info("transport listening", "name", node.Name(), "peer_id", node.ID().String(),
		"public_key", hex.EncodeToString(node.PublicKey()), "addrs", node.Addrs(), "relays", len(cfg.Relays))
	t.mu.Lock()
	old := t.node
	t.node = node
	t.mu.Unlock()
	if old != nil {
		old.Close()
	}
	return nil
}

// identity is the node's key: the configured key file, else the state
// directory's (created on first use), else — for a harness with no state
// directory — a fresh key for this run only.
func (t *transport) identity(c *sdk.Configuration) (ed25519.PrivateKey, error) {
	if path, ok := c.Get("identity_key_file").AsString(); ok && path != "" {
		key, err := LoadKeyFile(path)
		if err != nil {
			return nil, &sdk.ConfigError{Path: []string{"identity_key_file"}, Summary: "cannot load the transport's identity key", Detail: err.Error()}
		}
		return key, nil
	}
	if c.StateDir != "" {
		key, err := LoadOrCreateKeyFile(filepath.Join(c.StateDir, KeyFileName))
		if err != nil {
			return nil, &sdk.ConfigError{Path: []string{"identity_key_file"}, Summary: "cannot load the transport's identity key", Detail: err.Error()}
		}
		return key, nil
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	return key, err
}

// addressList reads an address or a list of addresses, checking each.
func addressList(v sdk.Value, path []string, what string) ([]string, error) {
	bad := func(path []string, detail string) error {
		return &sdk.ConfigError{Path: path, Summary: "invalid address", Detail: detail}
	}
	var out []string
	switch v.Kind() {
	case sdk.KindNull:
		return nil, nil
	case sdk.KindString:
		a, _ := v.AsString()
		if _, err := configAddr(a); err != nil {
			return nil, bad(path, fmt.Sprintf("%s: %v", what, err))
		}
		return []string{a}, nil
	case sdk.KindList:
		for i, item := range v.Items() {
			a, ok := item.AsString()
			at := append(slices.Clone(path), strconv.Itoa(i))
			if !ok {
				return nil, bad(at, fmt.Sprintf("%s must be host:port or a TCP/QUIC multiaddr string, got %v", what, item))
			}
			if _, err := configAddr(a); err != nil {
				return nil, bad(at, fmt.Sprintf("%s: %v", what, err))
			}
			out = append(out, a)
		}
		if len(out) == 0 {
			return nil, bad(path, what+" is an empty list: give at least one address")
		}
		return out, nil
	}
	return nil, bad(path, fmt.Sprintf("%s must be an address string (host:port or a TCP/QUIC multiaddr) or a list of them, got %v", what, v))
}

// publicKey reads a 64-hex-digit Ed25519 public key.
func publicKey(v sdk.Value, path []string, whose string) (ed25519.PublicKey, error) {
	keyHex, ok := v.AsString()
	key, err := hex.DecodeString(keyHex)
	if !ok || err != nil || len(key) != ed25519.PublicKeySize {
		return nil, &sdk.ConfigError{Path: path, Summary: "invalid public key",
			Detail: fmt.Sprintf("the public_key of %s must be its Ed25519 public key as 64 hex digits, got %v", whose, v)}
	}
	return ed25519.PublicKey(key), nil
}

// parseRelay reads {address, public_key} of a relay at path.
func parseRelay(v sdk.Value, path []string) (RelayInfo, error) {
	at := func(k string) []string { return append(slices.Clone(path), k) }
	if v.Kind() != sdk.KindMap {
		return RelayInfo{}, &sdk.ConfigError{Path: path, Summary: "invalid relay",
			Detail: fmt.Sprintf("a relay must be {address = \"host:port\", public_key = \"<64 hex digits>\"}: the transport authenticates a relay by its Ed25519 key too, got %v", v)}
	}
	for _, f := range v.Fields() {
		if f.Key != "address" && f.Key != "public_key" {
			return RelayInfo{}, &sdk.ConfigError{Path: at(f.Key), Summary: "unknown relay attribute",
				Detail: fmt.Sprintf("a relay has address and public_key, not %q", f.Key)}
		}
	}
	get := func(k string) sdk.Value { x, _ := v.Get(k); return x }
	addr, ok := get("address").AsString()
	if !ok || addr == "" {
		return RelayInfo{}, &sdk.ConfigError{Path: at("address"), Summary: "invalid relay address",
			Detail: fmt.Sprintf("the relay's address must be a host:port or TCP/QUIC multiaddr string, got %v", get("address"))}
	}
	if _, err := configAddr(addr); err != nil {
		return RelayInfo{}, &sdk.ConfigError{Path: at("address"), Summary: "invalid relay address", Detail: "the relay's address: " + err.Error()}
	}
	key, err := publicKey(get("public_key"), at("public_key"), "a relay (the relay logs it when it starts)")
	if err != nil {
		return RelayInfo{}, err
	}
	return RelayInfo{Address: addr, PublicKey: key}, nil
}

// parsePeer reads one entry of peers, placing a mistake on its attribute.
func parsePeer(name string, v sdk.Value) (Peer, error) {
	path := []string{"peers", name}
	at := func(k ...string) []string { return append(slices.Clone(path), k...) }
	if v.Kind() != sdk.KindMap {
		return Peer{}, &sdk.ConfigError{Path: path, Summary: "invalid peer",
			Detail: fmt.Sprintf("peer %q must be {address = \"host:port\", public_key = \"<64 hex digits>\"}: the transport authenticates every peer by its Ed25519 key, got %v", name, v)}
	}
	for _, f := range v.Fields() {
		if f.Key != "address" && f.Key != "public_key" && f.Key != "relay" {
			return Peer{}, &sdk.ConfigError{Path: at(f.Key), Summary: "unknown peer attribute",
				Detail: fmt.Sprintf("a peer has address, public_key and relay, not %q", f.Key)}
		}
	}
	get := func(k string) sdk.Value { x, _ := v.Get(k); return x }
	var p Peer
	addrs, err := addressList(get("address"), at("address"), fmt.Sprintf("the address of peer %q", name))
	if err != nil {
		return Peer{}, err
	}
	if len(addrs) > 0 {
		p.Address, p.Addresses = addrs[0], addrs[1:]
	}
	if p.PublicKey, err = publicKey(get("public_key"), at("public_key"), fmt.Sprintf("peer %q", name)); err != nil {
		return Peer{}, err
	}
	if r := get("relay"); !r.IsNull() {
		relay, err := parseRelay(r, at("relay"))
		if err != nil {
			return Peer{}, err
		}
		p.Relay = &relay
	}
	if p.Address == "" && p.Relay == nil {
		return Peer{}, &sdk.ConfigError{Path: at("address"), Summary: "invalid peer address",
			Detail: fmt.Sprintf("peer %q needs an address (host:port or a TCP/QUIC multiaddr, or a list of them) or a relay it is reachable through", name)}
	}
	return p, nil
}

// close closes the node, if any. The served plugin never calls it (process
// exit ends the node); tests and embedders do.
func (t *transport) close() error {
	t.mu.Lock()
	node := t.node
	t.node = nil
	t.mu.Unlock()
	if node == nil {
		return nil
	}
	return node.Close()
}

func (t *transport) current() (*Node, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.node == nil {
		return nil, sdk.Errorf(sdk.CodeUnavailable, "the transport is not listening")
	}
	return t.node, nil
}

func invalid(format string, args ...any) error {
	return sdk.Errorf(sdk.CodeInvalidArgs, format, args...)
}

func (t *transport) operations() []sdk.Operation {
	return append(networkops.Operations(networkops.Handlers{
		SendEnvelope: t.sendEnvelope, ReceiveEnvelope: t.receiveEnvelope, ReceiveEnvelopeFrom: t.receiveEnvelopeFrom,
		ConnectedPeers: t.connectedPeers, IsChannelEstablished: t.isChannelEstablished,
	}), t.discoveryOperations()...)
}

func (t *transport) sendEnvelope(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	e, err := networkops.ParseEnvelope(c.Arg("envelope"))
	if err != nil {
		return sdk.Value{}, invalid("envelope: %v", err)
	}
	node, err := t.current()
	if err != nil {
		return sdk.Value{}, err
	}
	if err := sendRetrying(ctx, node, e); err != nil {
		return sdk.Value{}, err
	}
	t.mu.Lock()
	t.seq++
	seq := t.seq
	t.mu.Unlock()
	return sdk.Map(map[string]sdk.Value{"seq": sdk.Uint(seq), "copies": sdk.Int(1), "dropped": sdk.Bool(false), "deliver_at": sdk.Null()}), nil
}

// Backoff between two attempts of a send: from retryFirst, doubling, at
// most retryMax.
const (
	retryFirst = 50 * time.Millisecond
	retryMax   = time.Second
)

// sendRetrying sends e, trying again with backoff while the peer is
// unreachable (not yet started, restarting, cut off by a partition) until
// ctx ends — the call's deadline; a call without a deadline (the host
// always sets one) is tried once. A retried envelope may arrive twice (a
// write can fail after the peer read it): the receiving guard chain drops
// the second by its receipt's nonce, and a protocol session by its
// sequence number.
func sendRetrying(ctx context.Context, node *Node, e Envelope) error {
	wait := retryFirst
	_, bounded := ctx.Deadline()
	for {
		err := node.Send(ctx, e)
		if !bounded {
			return err
		}
		var se *sdk.Error
		if err == nil || !errors.As(err, &se) || se.Code != sdk.CodeUnavailable || node.isClosed() {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, retryMax)
		node.clearDialBackoff(e.Destination)
	}
}

func optionalAddress(c *sdk.Call, name string) (sdk.Value, error) {
	v := c.Arg(name)
	if !v.IsNull() && !networkops.IsAddress(v, false) {
		return v, invalid("%s must be non-empty bytes or a non-empty string, got %v", name, v)
	}
	return v, nil
}

func received(e Envelope, ok bool) (sdk.Value, error) {
	if !ok {
		return sdk.Null(), nil
	}
	return e.Value(), nil
}

// ownDestination refuses a destination that is not this node: a node
// holds only envelopes addressed to it, and the caller may take only
// those (another authority's mail is not the caller's to read). The
// instance serves one authority (the host gives each agent its own, and
// the SDK refuses calls for another), so the node is the caller's.
func ownDestination(c *sdk.Call, node *Node) error {
	dst, err := optionalAddress(c, "destination")
	if err != nil {
		return err
	}
	if !dst.IsNull() && resolve(dst) != node.Name() {
		return sdk.Errorf(sdk.CodeDenied, "destination %v is not this node (%q): a node receives only its own envelopes", dst, node.Name())
	}
	return nil
}

func (t *transport) receiveEnvelope(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	node, err := t.current()
	if err != nil {
		return sdk.Value{}, err
	}
	if err := ownDestination(c, node); err != nil {
		return sdk.Value{}, err
	}
	return received(node.Receive())
}

func (t *transport) receiveEnvelopeFrom(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	src, ctxID := c.Arg("source"), c.Arg("context")
	if !networkops.IsAddress(src, false) {
		return sdk.Value{}, invalid("source must be non-empty bytes or a non-empty string, got %v", src)
	}
	if !networkops.IsAddress(ctxID, true) {
		return sdk.Value{}, invalid("context must be bytes or a string, got %v", ctxID)
	}
	node, err := t.current()
	if err != nil {
		return sdk.Value{}, err
	}
	if err := ownDestination(c, node); err != nil {
		return sdk.Value{}, err
	}
	return received(node.ReceiveFrom(src, ctxID))
}

// checkSelf accepts an absent self or this node's own name.
func checkSelf(c *sdk.Call, node *Node) error {
	self := c.Arg("self")
	if self.IsNull() || (networkops.IsAddress(self, false) && resolve(self) == node.Name()) {
		return nil
	}
	return invalid("self must be this node's name %q (a transport has one endpoint), got %v", node.Name(), self)
}

func (t *transport) connectedPeers(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	node, err := t.current()
	if err != nil {
		return sdk.Value{}, err
	}
	if err := checkSelf(c, node); err != nil {
		return sdk.Value{}, err
	}
	names := node.ConnectedPeers()
	out := make([]sdk.Value, len(names))
	for i, n := range names {
		out[i] = sdk.String(n)
	}
	return sdk.List(out...), nil
}

func (t *transport) isChannelEstablished(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	node, err := t.current()
	if err != nil {
		return sdk.Value{}, err
	}
	if err := checkSelf(c, node); err != nil {
		return sdk.Value{}, err
	}
	peer, ctxID := c.Arg("peer"), c.Arg("context")
	if !networkops.IsAddress(peer, false) {
		return sdk.Value{}, invalid("peer must be non-empty bytes or a non-empty string, got %v", peer)
	}
	if !networkops.IsAddress(ctxID, true) {
		return sdk.Value{}, invalid("context must be bytes or a string, got %v", ctxID)
	}
	return sdk.Bool(node.ChannelEstablished(ctxID, resolve(peer))), nil
}
