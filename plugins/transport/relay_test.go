package transport

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"go.uber.org/goleak"

	"github.com/aurahost/aura-host/sdk"
)

// startRelay starts a relay on loopback, closed at cleanup.
func startRelay(t *testing.T, cfg RelayConfig) *Relay {
	t.Helper()
	if cfg.Listen == nil {
		cfg.Listen = []string{DefaultListen}
	}
	if cfg.Identity == nil {
		cfg.Identity = newKey(t)
	}
	r, err := NewRelay(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// relayedPair starts a and b, each holding a reservation on r and knowing
// the other only through r: neither has the other's address.
func relayedPair(t *testing.T, r RelayInfo) (a, b *Node, logs *logBuffer) {
	t.Helper()
	logs = &logBuffer{}
	start := func(name string) *Node {
		n, err := Listen(Config{Name: name, Identity: newKey(t), Relays: []RelayInfo{r},
			Logger: hclog.New(&hclog.LoggerOptions{Name: name, Output: logs, Level: hclog.Debug})})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close() })
		return n
	}
	a, b = start("a"), start("b")
	for _, p := range [][2]*Node{{a, b}, {b, a}} {
		if err := p[0].SetPeer(p[1].Name(), Peer{PublicKey: p[1].PublicKey(), Relay: &r}); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []*Node{a, b} {
		if err := n.WaitReserved(waitCtx(t), 1); err != nil {
			t.Fatalf("%s never reserved a slot on the relay: %v\n%s", n.Name(), err, logs)
		}
	}
	return a, b, logs
}

// exchange sends one envelope each way and checks both arrive unchanged.
func exchange(t *testing.T, a, b *Node, payloadAB, payloadBA string) {
	t.Helper()
	for _, x := range []struct {
		from, to *Node
		payload  string
	}{{a, b, payloadAB}, {b, a, payloadBA}} {
		e := mustEnvelope(t, envelope(x.from.Name(), x.to.Name(), "ctx", x.payload))
		if err := x.from.Send(waitCtx(t), e); err != nil {
			t.Fatalf("%s → %s: %v", x.from.Name(), x.to.Name(), err)
		}
		if err := x.to.WaitBuffered(waitCtx(t), 1); err != nil {
			t.Fatal(err)
		}
		got, _ := x.to.Receive()
		if !got.Value().Equal(e.Value()) {
			t.Fatalf("%s received %v, want %v", x.to.Name(), got.Value(), e.Value())
		}
	}
}

// onlyRelayed says whether every connection between x and its peer goes
// through a relay.
func onlyRelayed(x *Node, peerName string) bool {
	id := x.peers[peerName]
	conns := x.h.Network().ConnsToPeer(id)
	return len(conns) > 0 && !slices.ContainsFunc(conns, func(c network.Conn) bool { return !isCircuit(c.RemoteMultiaddr()) })
}

func TestEnvelopesThroughARelay(t *testing.T) {
	t.Parallel()
	r := startRelay(t, RelayConfig{})
	a, b, _ := relayedPair(t, r.Info())
	exchange(t, a, b, "over the relay", "and back")
	if !onlyRelayed(a, "b") || !onlyRelayed(b, "a") {
		t.Fatal("a and b have a direct connection, though neither knows the other's address")
	}
	if got := a.Addrs(); !slices.ContainsFunc(got, func(s string) bool { return strings.HasSuffix(s, "/p2p/"+r.ID().String()+"/p2p-circuit") }) {
		t.Fatalf("a's addresses %v hold no circuit address through the relay", got)
	}
	if !slices.Equal(a.ConnectedPeers(), []string{"b"}) {
		t.Fatalf("a's connected peers are %v, want [b] (a relay is not a peer)", a.ConnectedPeers())
	}
}

// TestRelayCannotSendEnvelopes: the gater admits a relay's key (it must,
// to reserve and to carry circuits) but an envelope stream it opens is
// refused: a relay is not a peer.
func TestRelayCannotSendEnvelopes(t *testing.T) {
	t.Parallel()
	relayKey := newKey(t)
	r := startRelay(t, RelayConfig{Identity: relayKey})
	logs := &logBuffer{}
	a, err := Listen(Config{Name: "a", Identity: newKey(t), Relays: []RelayInfo{r.Info()},
		Logger: hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if err := a.WaitReserved(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	// The relay's key, as a node that lists a as its peer and sends it an
	// envelope naming the relay as its source.
	impostor, _ := listenNodeWithKey(t, "relay", relayKey, DefaultListen)
	if err := impostor.SetPeer("a", Peer{Address: a.Addr(), PublicKey: a.PublicKey()}); err != nil {
		t.Fatal(err)
	}
	impostor.Send(waitCtx(t), mustEnvelope(t, envelope("relay", "a", "c", "forged by the relay")))
	logs.waitLog(t, "refusing an envelope stream from a relay: a relay is not a peer")
	if a.Buffered() != 0 {
		t.Fatal("a buffered an envelope its relay sent")
	}
	if slices.Contains(a.ConnectedPeers(), "relay") {
		t.Fatal("a lists its relay among its peers")
	}
}

// listenNodeWithKey starts a node with the given identity on addr.
func listenNodeWithKey(t *testing.T, name string, key ed25519.PrivateKey, addr string) (*Node, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	n, err := Listen(Config{Name: name, Identity: key, Listen: addr,
		Logger: hclog.New(&hclog.LoggerOptions{Name: name, Output: logs, Level: hclog.Debug})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n, logs
}

// tapStream records what the relay reads from one end of a circuit and
// writes to it, and, once armed, flips the bits of what it reads.
type tapStream struct {
	network.Stream
	tap *relayTap
}

func (s tapStream) Read(p []byte) (int, error) {
	n, err := s.Stream.Read(p)
	s.tap.mu.Lock()
	defer s.tap.mu.Unlock()
	if s.tap.flip.Load() && n > 0 {
		p[n-1] ^= 0x01
		s.tap.flipped.Add(1)
	}
	s.tap.seen.Write(p[:n])
	return n, err
}

func (s tapStream) Write(p []byte) (int, error) {
	s.tap.mu.Lock()
	s.tap.seen.Write(p)
	s.tap.mu.Unlock()
	return s.Stream.Write(p)
}

// relayTap sees every byte the relay service reads or writes on the
// streams nodes open to it: the relay's view of every circuit.
type relayTap struct {
	mu      sync.Mutex
	seen    bytes.Buffer
	flip    atomic.Bool
	flipped atomic.Int64
}

func (r *relayTap) wrap(s network.Stream) network.Stream { return tapStream{s, r} }

func (r *relayTap) bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.seen.Bytes())
}

// TestRelayCarriesOnlyCiphertext: every byte a relay carries between two
// nodes is recorded as the relay sees it (after its own hop's decryption);
// the envelopes' plaintext never appears in it, because Noise runs between
// the two nodes, end to end through the relay.
func TestRelayCarriesOnlyCiphertext(t *testing.T) {
	t.Parallel()
	tap := &relayTap{}
	r := startRelay(t, RelayConfig{tap: tap.wrap})
	a, b, _ := relayedPair(t, r.Info())
	const there, back = "PLAINTEXT-MARKER-a-to-b-7f3e", "PLAINTEXT-MARKER-b-to-a-91c2"
	exchange(t, a, b, there, back)
	seen := tap.bytes()
	if len(seen) < 2*len(there) {
		t.Fatalf("the tap saw %d bytes: it does not see the relay's circuits", len(seen))
	}
	for _, marker := range []string{there, back, "PLAINTEXT-MARKER"} {
		if bytes.Contains(seen, []byte(marker)) {
			t.Fatalf("the relay carried the plaintext %q", marker)
		}
	}
	// The names, context and payload are all inside the encryption.
	for _, plain := range []string{"ctx", "payload", "/aura/envelope/1.0.0"} {
		if bytes.Contains(seen, []byte(plain)) {
			t.Errorf("the relay saw %q in clear", plain)
		}
	}
}

// TestRelayCannotForgeEnvelopes: a relay that changes a byte of a circuit
// breaks the nodes' end-to-end authentication: the connection closes and
// the envelope is lost, never delivered changed. A later envelope, on a
// new circuit the relay leaves alone, arrives intact.
func TestRelayCannotForgeEnvelopes(t *testing.T) {
	t.Parallel()
	tap := &relayTap{}
	r := startRelay(t, RelayConfig{tap: tap.wrap})
	a, b, logs := relayedPair(t, r.Info())
	exchange(t, a, b, "before", "before, back")

	tap.flip.Store(true)
	tampered := mustEnvelope(t, envelope("a", "b", "ctx", "amount=100"))
	a.Send(waitCtx(t), tampered) // may succeed: the frame was written; it never arrives
	ctx := waitCtx(t)
	for slices.Contains(b.ConnectedPeers(), "a") || slices.Contains(a.ConnectedPeers(), "b") {
		if ctx.Err() != nil {
			t.Fatalf("the tampered circuit stayed open (flipped %d reads)\n%s", tap.flipped.Load(), logs)
		}
		if err := b.WaitBuffered(ctxFor(ctx, 10), 1); err == nil {
			got, _ := b.Receive()
			t.Fatalf("b received %v over a circuit the relay tampered with", got.Value())
		}
	}
	if tap.flipped.Load() == 0 {
		t.Fatal("the relay flipped nothing")
	}
	if b.Buffered() != 0 {
		got, _ := b.Receive()
		t.Fatalf("b received %v over a circuit the relay tampered with", got.Value())
	}

	tap.flip.Store(false)
	exchange(t, a, b, "after", "after, back")
	if b.Buffered() != 0 {
		t.Fatal("b holds more than the envelopes sent after the tampering")
	}
}

// ctxFor is a context ending after ms milliseconds, or with parent.
func ctxFor(parent context.Context, ms int) context.Context {
	ctx, cancel := context.WithTimeout(parent, time.Duration(ms)*time.Millisecond)
	go func() { <-ctx.Done(); cancel() }()
	return ctx
}

// fakeConnAddrs is a connection's addresses, for calling the gater.
type fakeConnAddrs struct{}

func (fakeConnAddrs) LocalMultiaddr() ma.Multiaddr  { return ma.StringCast("/ip4/127.0.0.1/tcp/1") }
func (fakeConnAddrs) RemoteMultiaddr() ma.Multiaddr { return ma.StringCast("/ip4/127.0.0.1/tcp/2") }

func mustID(t *testing.T, pub ed25519.PublicKey) peer.ID {
	t.Helper()
	id, err := PeerID(pub)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestRelayAllowList(t *testing.T) {
	t.Parallel()
	allowedKey := newKey(t)
	logs := &logBuffer{}
	r := startRelay(t, RelayConfig{Allow: []ed25519.PublicKey{allowedKey.Public().(ed25519.PublicKey)},
		Logger: hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug})})
	allowed, err := Listen(Config{Name: "allowed", Identity: allowedKey, Relays: []RelayInfo{r.Info()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { allowed.Close() })
	if err := allowed.WaitReserved(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	stranger, err := Listen(Config{Name: "stranger", Identity: newKey(t), Relays: []RelayInfo{r.Info()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stranger.Close() })
	logs.waitLog(t, "refusing a connection authenticated as a key not on the relay's allow list")
	if stranger.Reserved() != 0 {
		t.Fatal("a key not on the allow list reserved a slot")
	}
}

func TestQUICOnlyEnvelopes(t *testing.T) {
	t.Parallel()
	quicOnly := []string{"/ip4/127.0.0.1/udp/0/quic-v1"}
	a, err := Listen(Config{Name: "a", Identity: newKey(t), ListenAddresses: quicOnly})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	b, err := Listen(Config{Name: "b", Identity: newKey(t), ListenAddresses: quicOnly})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	for _, n := range []*Node{a, b} {
		if addrs := n.Addrs(); len(addrs) != 1 || !strings.HasSuffix(addrs[0], "/quic-v1") || n.Addr() != addrs[0] {
			t.Fatalf("%s listens on %v (Addr %q), want one QUIC address", n.Name(), addrs, n.Addr())
		}
	}
	introduce(t, a, b)
	exchange(t, a, b, "over quic", "back over quic")
	for _, c := range a.h.Network().Conns() {
		if _, err := c.RemoteMultiaddr().ValueForProtocol(ma.P_QUIC_V1); err != nil {
			t.Fatalf("a connection over %s, not QUIC", c.RemoteMultiaddr())
		}
	}
}

// TestTCPAndQUICTogether: a node listening on both is reached over either.
func TestTCPAndQUICTogether(t *testing.T) {
	t.Parallel()
	both := []string{"127.0.0.1:0", "/ip4/127.0.0.1/udp/0/quic-v1"}
	a, err := Listen(Config{Name: "a", Identity: newKey(t), ListenAddresses: both})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if len(a.Addrs()) != 2 {
		t.Fatalf("a listens on %v, want a TCP and a QUIC address", a.Addrs())
	}
	for i, addr := range a.Addrs() {
		b, err := Listen(Config{Name: "b", Identity: newKey(t), ListenAddresses: both[i : i+1],
			Peers: map[string]Peer{"a": {Address: addr, PublicKey: a.PublicKey()}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SetPeer("b", Peer{Addresses: b.Addrs(), PublicKey: b.PublicKey()}); err != nil {
			t.Fatal(err)
		}
		exchange(t, b, a, "to "+addr, "back")
		b.Close()
	}
}

func TestGateWithRelays(t *testing.T) {
	t.Parallel()
	relayKey, peerKey, strangerKey := newKey(t), newKey(t), newKey(t)
	relayID, _ := PeerID(relayKey.Public().(ed25519.PublicKey))
	peerID, _ := PeerID(peerKey.Public().(ed25519.PublicKey))
	strangerID, _ := PeerID(strangerKey.Public().(ed25519.PublicKey))
	peerRelayKey := newKey(t)
	peerRelayID, _ := PeerID(peerRelayKey.Public().(ed25519.PublicKey))
	n, err := Listen(Config{Name: "n", Identity: newKey(t),
		Relays: []RelayInfo{{Address: "127.0.0.1:1", PublicKey: relayKey.Public().(ed25519.PublicKey)}},
		Peers: map[string]Peer{"p": {PublicKey: peerKey.Public().(ed25519.PublicKey),
			Relay: &RelayInfo{Address: "127.0.0.1:2", PublicKey: peerRelayKey.Public().(ed25519.PublicKey)}}},
		Logger: hclog.NewNullLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	g := gate{n}
	for _, tc := range []struct {
		what  string
		id    peer.ID
		admit bool
	}{
		{"a configured peer", peerID, true},
		{"the node's relay", relayID, true},
		{"a peer's relay", peerRelayID, true},
		{"any other key", strangerID, false},
	} {
		if got := g.InterceptPeerDial(tc.id); got != tc.admit {
			t.Errorf("dialling %s: admitted %v, want %v", tc.what, got, tc.admit)
		}
		if got := g.InterceptSecured(network.DirInbound, tc.id, fakeConnAddrs{}); got != tc.admit {
			t.Errorf("a connection from %s: admitted %v, want %v", tc.what, got, tc.admit)
		}
	}
	if _, ok := n.peerName(relayID); ok {
		t.Fatal("the relay is a peer")
	}
	// A peer that changes relays: the old relay is no longer admitted.
	if err := n.SetPeer("p", Peer{Address: "127.0.0.1:3", PublicKey: peerKey.Public().(ed25519.PublicKey)}); err != nil {
		t.Fatal(err)
	}
	if g.InterceptPeerDial(peerRelayID) {
		t.Fatal("a relay no peer uses any more is still admitted")
	}
	// A relay's key cannot become a peer's.
	var ce *ConfigError
	if err := n.SetPeer("r", Peer{Address: "127.0.0.1:4", PublicKey: relayKey.Public().(ed25519.PublicKey)}); !errors.As(err, &ce) {
		t.Fatalf("a peer with the relay's key: %v, want a ConfigError", err)
	}
}

func TestRelayConfigErrors(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	pub := key.Public().(ed25519.PublicKey)
	nodeCases := []struct {
		name string
		cfg  Config
		path []string
		fix  string
	}{
		{"relay without a key", Config{Relays: []RelayInfo{{Address: "127.0.0.1:1"}}}, []string{"relays", "0", "public_key"}, "64 hex digits"},
		{"relay without an address", Config{Relays: []RelayInfo{{PublicKey: pub}}}, []string{"relays", "0", "address"}, "host:port"},
		{"relay at a circuit address", Config{Relays: []RelayInfo{{Address: "/ip4/1.2.3.4/tcp/1/p2p/" + mustID(t, pub).String() + "/p2p-circuit", PublicKey: pub}}},
			[]string{"relays", "0", "address"}, ""},
		{"relay twice", Config{Relays: []RelayInfo{{Address: "127.0.0.1:1", PublicKey: pub}, {Address: "127.0.0.1:2", PublicKey: pub}}},
			[]string{"relays", "1", "public_key"}, "once"},
		{"peer with neither address nor relay", Config{Peers: map[string]Peer{"p": {PublicKey: newKey(t).Public().(ed25519.PublicKey)}}},
			[]string{"peers", "p", "address"}, "relay"},
		{"peer that is its own relay", Config{Peers: map[string]Peer{"p": {PublicKey: pub, Relay: &RelayInfo{Address: "127.0.0.1:1", PublicKey: pub}}}},
			[]string{"peers", "p", "relay", "public_key"}, "relay's own key"},
		{"peer with a relay's key", Config{Relays: []RelayInfo{{Address: "127.0.0.1:1", PublicKey: pub}},
			Peers: map[string]Peer{"p": {Address: "127.0.0.1:2", PublicKey: pub}}}, []string{"peers", "p", "public_key"}, "key of its own"},
		{"peer address not TCP or QUIC", Config{Peers: map[string]Peer{"p": {Address: "/ip4/1.2.3.4/udp/1", PublicKey: pub}}},
			[]string{"peers", "p", "address"}, ""},
		{"listen on a DNS name", Config{Listen: "127.0.0.1:0", ListenAddresses: []string{"/dns4/example.com/tcp/1"}}, []string{"listen", "1"}, ""},
	}
	for _, tc := range nodeCases {
		tc.cfg.Identity = newKey(t)
		n, err := Listen(tc.cfg)
		if err == nil {
			n.Close()
		}
		var ce *ConfigError
		if !errors.Is(err, ErrInvalidConfig) || !errors.As(err, &ce) || !slices.Equal(ce.Path, tc.path) || !strings.Contains(ce.Error(), tc.fix) {
			t.Errorf("%s: got %v, want a ConfigError on %v saying %q", tc.name, err, tc.path, tc.fix)
		}
	}
	relayCases := []struct {
		name string
		cfg  RelayConfig
		path []string
	}{
		{"no identity", RelayConfig{Listen: []string{DefaultListen}}, []string{"identity_key_file"}},
		{"no address", RelayConfig{Identity: key}, []string{"listen"}},
		{"bad address", RelayConfig{Identity: key, Listen: []string{"nowhere"}}, []string{"listen", "0"}},
		{"bad allowed key", RelayConfig{Identity: key, Listen: []string{DefaultListen}, Allow: []ed25519.PublicKey{{1, 2}}}, []string{"allow", "0"}},
		{"libp2p's tiny circuit limit", RelayConfig{Identity: key, Listen: []string{DefaultListen}, Limits: RelayLimits{CircuitBytes: 128 << 10}}, []string{"circuit_bytes"}},
		{"negative circuits", RelayConfig{Identity: key, Listen: []string{DefaultListen}, Limits: RelayLimits{MaxCircuits: -1}}, []string{"max_circuits"}},
	}
	for _, tc := range relayCases {
		r, err := NewRelay(tc.cfg)
		if err == nil {
			r.Close()
		}
		var ce *ConfigError
		if !errors.Is(err, ErrInvalidConfig) || !errors.As(err, &ce) || !slices.Equal(ce.Path, tc.path) || ce.Fix == "" && ce.Path[0] != "listen" {
			t.Errorf("%s: got %v, want a ConfigError on %v", tc.name, err, tc.path)
		}
	}
}

// TestConfigureRelaysAndAddresses: the plugin's config takes listen and a
// peer's address as a string or a list, relays, and a peer's relay; a
// mistake is placed on its attribute.
func TestConfigureRelaysAndAddresses(t *testing.T) {
	t.Parallel()
	key := strings.Repeat("ab", 32)
	relay := args("address", s("127.0.0.1:1"), "public_key", s(strings.Repeat("cd", 32)))
	tr := &transport{}
	err := tr.configure(context.Background(), &sdk.Configuration{Values: args(
		"listen", sdk.List(s("127.0.0.1:0"), s("/ip4/127.0.0.1/udp/0/quic-v1")),
		"relays", sdk.List(relay),
		"hole_punching", sdk.Bool(false),
		"peers", args(
			"b", args("address", sdk.List(s("127.0.0.1:2"), s("/ip4/127.0.0.1/udp/2/quic-v1")), "public_key", s(key)),
			"c", args("public_key", s(strings.Repeat("ef", 32)), "relay", relay)))})
	if err != nil {
		t.Fatal(err)
	}
	node, _ := tr.current()
	if len(node.Addrs()) < 2 {
		t.Fatalf("listening on %v, want TCP and QUIC", node.Addrs())
	}
	tr.close()
	for _, tc := range []struct {
		values sdk.Value
		path   []string
	}{
		{args("listen", sdk.Int(4001)), []string{"listen"}},
		{args("listen", sdk.List()), []string{"listen"}},
		{args("listen", sdk.List(s("127.0.0.1:0"), s("nowhere"))), []string{"listen", "1"}},
		{args("relays", sdk.List(relay, s("127.0.0.1:1"))), []string{"relays", "1"}},
		{args("relays", sdk.List(args("address", s("127.0.0.1:1"), "public_key", s("abcd")))), []string{"relays", "0", "public_key"}},
		{args("relays", sdk.List(args("address", s("127.0.0.1:1"), "public_key", s(key), "port", sdk.Int(1)))), []string{"relays", "0", "port"}},
		{args("peers", args("b", args("public_key", s(key)))), []string{"peers", "b", "address"}},
		{args("peers", args("b", args("address", sdk.List(s("127.0.0.1:1"), sdk.Int(2)), "public_key", s(key)))), []string{"peers", "b", "address", "1"}},
		{args("peers", args("b", args("public_key", s(key), "relay", args("address", s("x"))))), []string{"peers", "b", "relay", "address"}},
		{args("relays", sdk.List(relay), "peers", args("b", args("address", s("127.0.0.1:1"), "public_key", s(strings.Repeat("cd", 32))))),
			[]string{"peers", "b", "public_key"}},
	} {
		tr := &transport{}
		err := tr.configure(context.Background(), &sdk.Configuration{Values: tc.values})
		tr.close()
		var ce *sdk.ConfigError
		if !errors.As(err, &ce) || !slices.Equal(ce.Path, tc.path) {
			t.Errorf("%v: got %v, want a config error on %v", tc.values, err, tc.path)
		}
	}
}

// TestCloseEndsEveryGoroutineWithRelays: a relay, and nodes that keep
// reservations on it and talk through it, leave no goroutine once closed.
func TestCloseEndsEveryGoroutineWithRelays(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	r, err := NewRelay(RelayConfig{Listen: []string{DefaultListen, "/ip4/127.0.0.1/udp/0/quic-v1"}, Identity: newKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	info := r.Info()
	var nodes []*Node
	for _, name := range []string{"a", "b"} {
		n, err := Listen(Config{Name: name, Identity: newKey(t), Relays: []RelayInfo{info}})
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, n)
	}
	a, b := nodes[0], nodes[1]
	for _, p := range [][2]*Node{{a, b}, {b, a}} {
		if err := p[0].SetPeer(p[1].Name(), Peer{PublicKey: p[1].PublicKey(), Relay: &info}); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range nodes {
		if err := n.WaitReserved(waitCtx(t), 1); err != nil {
			t.Fatal(err)
		}
	}
	exchange(t, a, b, "x", "y")
	for _, n := range nodes {
		n.Close()
	}
	r.Close()
	r.Close() // idempotent
}

// TestReservationComesBackWithTheRelay: a node whose relay goes away
// loses its reservation (and its circuit address), and reserves again
// once a relay with the same key listens at the same address.
func TestReservationComesBackWithTheRelay(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	r1 := startRelay(t, RelayConfig{Identity: key})
	info := r1.Info()
	a, err := Listen(Config{Name: "a", Identity: newKey(t), Relays: []RelayInfo{info}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if err := a.WaitReserved(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	r1.Close()
	ctx := waitCtx(t)
	for a.Reserved() != 0 {
		if ctx.Err() != nil {
			t.Fatal("the reservation outlived the relay")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if slices.ContainsFunc(a.Addrs(), func(s string) bool { return strings.HasSuffix(s, "/p2p-circuit") }) {
		t.Fatalf("a still offers a circuit address: %v", a.Addrs())
	}
	startRelay(t, RelayConfig{Identity: key, Listen: []string{info.Address}})
	if err := a.WaitReserved(waitCtx(t), 1); err != nil {
		t.Fatalf("a did not reserve again on the relay that came back: %v", err)
	}
}

// TestSendMovesToADirectConnection: envelopes flow over a relayed
// connection until a direct one appears (as hole punching would make);
// the next Send uses the direct one.
func TestSendMovesToADirectConnection(t *testing.T) {
	t.Parallel()
	r := startRelay(t, RelayConfig{})
	a, b, _ := relayedPair(t, r.Info())
	exchange(t, a, b, "relayed", "relayed back")
	stream := func() network.Stream {
		a.mu.Lock()
		oc := a.out["b"]
		a.mu.Unlock()
		oc.mu.Lock()
		defer oc.mu.Unlock()
		return oc.s
	}
	if !stream().Conn().Stat().Limited {
		t.Fatal("the first envelopes did not go through the relay")
	}
	direct, err := Multiaddr(b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	ctx := network.WithForceDirectDial(waitCtx(t), "the test stands in for hole punching")
	if err := a.h.Connect(ctx, peer.AddrInfo{ID: b.ID(), Addrs: []ma.Multiaddr{direct}}); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b, "direct", "direct back")
	if s := stream(); s.Conn().Stat().Limited {
		t.Fatalf("a still sends over the relayed connection %s", s.Conn().RemoteMultiaddr())
	}
}

// TestQUICImpostorIsRefused: over QUIC too, a key that is no configured
// peer's is refused by the gater before any envelope is read.
func TestQUICImpostorIsRefused(t *testing.T) {
	t.Parallel()
	quicOnly := "/ip4/127.0.0.1/udp/0/quic-v1"
	b, logs := listenNodeWithKey(t, "b", newKey(t), quicOnly)
	if err := b.SetPeer("a", Peer{Address: "127.0.0.1:1", PublicKey: newKey(t).Public().(ed25519.PublicKey)}); err != nil {
		t.Fatal(err)
	}
	mallory, _ := listenNodeWithKey(t, "a", newKey(t), quicOnly) // calls itself a, holds its own key
	if err := mallory.SetPeer("b", Peer{Address: b.Addr(), PublicKey: b.PublicKey()}); err != nil {
		t.Fatal(err)
	}
	if err := mallory.Send(waitCtx(t), mustEnvelope(t, envelope("a", "b", "c", "let me in"))); err == nil {
		t.Fatal("the impostor's send succeeded")
	}
	logs.waitLog(t, "refusing a connection authenticated as no configured peer")
	if b.Buffered() != 0 || len(b.ConnectedPeers()) != 0 {
		t.Fatalf("b buffered %d envelopes and lists %v after refusing an impostor", b.Buffered(), b.ConnectedPeers())
	}
}
