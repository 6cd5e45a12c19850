package transport

import (
	"context"
	"fmt"
	"sync"

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
				Kind:    sdk.KindString,
				Default: sdk.String(DefaultListen),
				Doc: "The TCP address to listen on for envelopes, host:port; port 0 picks a free port. " +
					"Default " + DefaultListen + " (loopback only).",
			},
			{
				Name: "name",
				Kind: sdk.KindString,
				Doc: "This node's name, which it announces to the peers it connects to and which they list in " +
					"connected_peers. Default: the address it listens on.",
			},
			{
				Name:    "peers",
				Kind:    sdk.KindMap,
				Default: sdk.Map(nil),
				Doc: "The peers this node sends to: a map of peer name to TCP address (host:port). An envelope's " +
					"destination names a peer: a string is the name, bytes are named by their lower-case hex.",
			},
		},
		Configure:  t.configure,
		Operations: t.operations(),
	}
}

func (t *transport) configure(_ context.Context, c *sdk.Configuration) error {
	cfg := Config{Listen: DefaultListen, Peers: map[string]string{}, Logger: c.Logger}
	if v, ok := c.Get("listen").AsString(); ok {
		cfg.Listen = v
	}
	cfg.Name, _ = c.Get("name").AsString()
	for _, f := range c.Get("peers").Fields() {
		addr, ok := f.Value.AsString()
		if !ok || addr == "" {
			return &sdk.ConfigError{Path: []string{"peers", f.Key}, Summary: "invalid peer address",
				Detail: fmt.Sprintf("the address of peer %q must be a host:port string, got %v", f.Key, f.Value)}
		}
		cfg.Peers[f.Key] = addr
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	node, err := Listen(cfg)
	if err != nil {
		return &sdk.ConfigError{Path: []string{"listen"}, Summary: "cannot listen for envelopes",
			Detail: fmt.Sprintf("listening on %q: %v", cfg.Listen, err)}
	}
	t.mu.Lock()
	old := t.node
	t.node = node
	t.mu.Unlock()
	if old != nil {
		old.Close()
	}
	return nil
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
	return networkops.Operations(networkops.Handlers{
		SendEnvelope: t.sendEnvelope, ReceiveEnvelope: t.receiveEnvelope, ReceiveEnvelopeFrom: t.receiveEnvelopeFrom,
		ConnectedPeers: t.connectedPeers, IsChannelEstablished: t.isChannelEstablished,
	})
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
	if err := node.Send(ctx, e); err != nil {
		return sdk.Value{}, err
	}
	t.mu.Lock()
	t.seq++
	seq := t.seq
	t.mu.Unlock()
	return sdk.Map(map[string]sdk.Value{"seq": sdk.Uint(seq), "copies": sdk.Int(1), "dropped": sdk.Bool(false), "deliver_at": sdk.Null()}), nil
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

func (t *transport) receiveEnvelope(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	dst, err := optionalAddress(c, "destination")
	if err != nil {
		return sdk.Value{}, err
	}
	node, err := t.current()
	if err != nil {
		return sdk.Value{}, err
	}
	return received(node.Receive(dst))
}

func (t *transport) receiveEnvelopeFrom(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	dst, err := optionalAddress(c, "destination")
	if err != nil {
		return sdk.Value{}, err
	}
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
	return received(node.ReceiveFrom(dst, src, ctxID))
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
