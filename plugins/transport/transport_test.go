package transport

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"go.uber.org/goleak"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/networkops"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

var args, mustInvoke, waitCtx = plugintest.Args, plugintest.Must, plugintest.WaitCtx

func s(x string) sdk.Value { return sdk.String(x) }

func envelope(src, dst, ctx, payload string) sdk.Value {
	return args("source", s(src), "destination", s(dst), "context", s(ctx), "payload", sdk.Bytes([]byte(payload)))
}

// node is one transport plugin served over gRPC, with its in-process side
// for the test to wait on.
type node struct {
	t *transport
	h *sdktest.Harness
}

func (n node) node() *Node {
	nd, _ := n.t.current()
	return nd
}

func newNode(t *testing.T, name string) node {
	tr := &transport{}
	t.Cleanup(func() {
		if err := tr.close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	h := sdktest.New(t, tr.plugin(), sdktest.WithConfig(args("name", s(name))))
	return node{tr, h}
}

// pair starts two nodes, a and b, each knowing the other.
func pair(t *testing.T) (a, b node) {
	a, b = newNode(t, "a"), newNode(t, "b")
	introduce(t, a.node(), b.node())
	return a, b
}

// introduce configures x and y as each other's peers, by name, address
// and key.
func introduce(t testing.TB, x, y *Node) {
	t.Helper()
	if err := x.SetPeer(y.Name(), Peer{Address: y.Addr(), PublicKey: y.PublicKey()}); err != nil {
		t.Fatal(err)
	}
	if err := y.SetPeer(x.Name(), Peer{Address: x.Addr(), PublicKey: x.PublicKey()}); err != nil {
		t.Fatal(err)
	}
}

// newKey is a fresh Ed25519 identity.
func newKey(t testing.TB) ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestConformance(t *testing.T) {
	t.Parallel()
	tr := &transport{}
	t.Cleanup(func() { tr.close() })
	sdktest.Conformance(t, tr.plugin(),
		sdktest.WithSample(effects.NetworkSendEnvelope, args("envelope", envelope("a", "nobody", "c", "hi"))),
		sdktest.WithSample(effects.NetworkReceiveEnvelopeFrom, args("source", s("a"), "context", s("c"))),
		sdktest.WithSample(effects.NetworkIsChannelEstablished, args("context", s("c"), "peer", s("b"))),
		sdktest.WithSample(effects.TransportLearnPeer, args("descriptor", signedDescriptor(t, "p", newKey(t), 1, "127.0.0.1:7000"))),
	)
}

func TestLoopbackRoundTrip(t *testing.T) {
	t.Parallel()
	a, b := pair(t)
	env := args("source", s("a"), "destination", s("b"), "context", s("ctx"), "payload", sdk.Bytes([]byte("ping")),
		"metadata", args("n", sdk.Int(1)), "receipt", sdk.Bytes([]byte{7}))
	got := mustInvoke(t, a.h, effects.NetworkSendEnvelope, args("envelope", env))
	if want := args("seq", sdk.Uint(1), "copies", sdk.Int(1), "dropped", sdk.Bool(false), "deliver_at", sdk.Null()); !got.Equal(want) {
		t.Fatalf("send_envelope = %v, want %v", got, want)
	}
	if err := b.node().WaitBuffered(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	if v := mustInvoke(t, b.h, effects.NetworkReceiveEnvelope, sdk.Null()); !v.Equal(env) {
		t.Fatalf("b received %v, want %v", v, env)
	}
	if v := mustInvoke(t, b.h, effects.NetworkReceiveEnvelope, sdk.Null()); !v.IsNull() {
		t.Fatalf("b received %v from an empty buffer", v)
	}
	for _, n := range []struct {
		node node
		peer string
	}{{a, "b"}, {b, "a"}} {
		if v := mustInvoke(t, n.node.h, effects.NetworkConnectedPeers, sdk.Null()); !v.Equal(sdk.List(s(n.peer))) {
			t.Errorf("connected_peers = %v, want [%s]", v, n.peer)
		}
		if v := mustInvoke(t, n.node.h, effects.NetworkIsChannelEstablished, args("context", s("ctx"), "peer", s(n.peer))); !v.Equal(sdk.Bool(true)) {
			t.Errorf("no channel with %s in ctx", n.peer)
		}
		if v := mustInvoke(t, n.node.h, effects.NetworkIsChannelEstablished, args("context", s("other"), "peer", s(n.peer))); !v.Equal(sdk.Bool(false)) {
			t.Errorf("a channel with %s in a context never used", n.peer)
		}
	}
	// And back, over the connection b dials.
	reply := envelope("b", "a", "ctx", "pong")
	mustInvoke(t, b.h, effects.NetworkSendEnvelope, args("envelope", reply))
	if err := a.node().WaitBuffered(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	if v := mustInvoke(t, a.h, effects.NetworkReceiveEnvelopeFrom, args("source", s("b"), "context", s("ctx"))); !v.Equal(reply) {
		t.Fatalf("a received %v", v)
	}
}

func TestOrderAndFilters(t *testing.T) {
	t.Parallel()
	a, b := pair(t)
	const n = 100
	for i := range n {
		ctx := fmt.Sprint("c", i%2)
		mustInvoke(t, a.h, effects.NetworkSendEnvelope, args("envelope", envelope("a", "b", ctx, fmt.Sprint(i))))
	}
	if err := b.node().WaitBuffered(waitCtx(t), n); err != nil {
		t.Fatal(err)
	}
	// Odd ones by filter, then the even ones in order.
	for i := 1; i < n; i += 2 {
		v := mustInvoke(t, b.h, effects.NetworkReceiveEnvelopeFrom, args("source", s("a"), "context", s("c1"), "destination", s("b")))
		if want := envelope("a", "b", "c1", fmt.Sprint(i)); !v.Equal(want) {
			t.Fatalf("filtered receive %d = %v, want %v", i, v, want)
		}
	}
	if _, err := b.h.Invoke(context.Background(), effects.NetworkReceiveEnvelope, args("destination", s("someone else"))); !errors.Is(err, effects.ErrDenied) {
		t.Fatalf("receive for another destination: %v, want denied", err)
	}
	for i := 0; i < n; i += 2 {
		if v := mustInvoke(t, b.h, effects.NetworkReceiveEnvelope, sdk.Null()); !v.Equal(envelope("a", "b", "c0", fmt.Sprint(i))) {
			t.Fatalf("receive %d = %v", i, v)
		}
	}
}

func TestSendErrors(t *testing.T) {
	t.Parallel()
	a := newNode(t, "a")
	gone := refusingAddr(t)
	a.node().SetPeer("gone", Peer{Address: gone, PublicKey: newKey(t).Public().(ed25519.PublicKey)})
	hexName := "0102"
	a.node().SetPeer(hexName, Peer{Address: gone, PublicKey: newKey(t).Public().(ed25519.PublicKey)})
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name string
		ctx  context.Context
		env  sdk.Value
		want *effects.Error
	}{
		{"unknown peer", context.Background(), envelope("a", "nobody", "c", ""), effects.ErrNotFound},
		{"peer not listening", context.Background(), envelope("a", "gone", "c", ""), effects.ErrUnavailable},
		{"bytes name a peer by hex", context.Background(),
			args("source", s("a"), "destination", sdk.Bytes([]byte{1, 2}), "context", s("c"), "payload", sdk.Bytes(nil)), effects.ErrUnavailable},
		{"payload too large", context.Background(), envelope("a", "gone", "c", strings.Repeat("x", MaxPayload+1)), effects.ErrInvalidArgs},
		{"cancelled", cancelled, envelope("a", "gone", "c", ""), effects.ErrCancelled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := a.h.Invoke(tc.ctx, effects.NetworkSendEnvelope, args("envelope", tc.env))
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %s", err, tc.want.Code)
			}
		})
	}
	if _, err := a.h.Invoke(context.Background(), effects.NetworkConnectedPeers, args("self", s("not a"))); !errors.Is(err, effects.ErrInvalidArgs) {
		t.Fatalf("connected_peers for another node: %v", err)
	}
	if v := mustInvoke(t, a.h, effects.NetworkConnectedPeers, args("self", s("a"))); !v.Equal(sdk.List()) {
		t.Fatalf("connected_peers = %v, want none", v)
	}
}

func TestConfigureErrors(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, tc := range []struct {
		values sdk.Value
		path   []string
	}{
		{args("listen", s(taken.Addr().String())), []string{"listen"}},
		{args("peers", args("b", sdk.Int(1))), []string{"peers", "b"}},
		{args("peers", args("b", s("127.0.0.1:1"))), []string{"peers", "b"}},
		{args("peers", args("b", args("address", s("nowhere"), "public_key", s(strings.Repeat("ab", 32))))), []string{"peers", "b", "address"}},
		{args("peers", args("b", args("address", s("127.0.0.1:1"), "public_key", s("abcd")))), []string{"peers", "b", "public_key"}},
		{args("peers", args("b", args("address", s("127.0.0.1:1"), "public_key", s(strings.Repeat("ab", 32)), "colour", s("red")))), []string{"peers", "b", "colour"}},
		{args("max_envelope_bytes", sdk.Int(0)), []string{"max_envelope_bytes"}},
		{args("max_buffered_bytes", sdk.Int(1024)), []string{"max_buffered_bytes"}},
		{args("identity_key_file", s("/nonexistent/key")), []string{"identity_key_file"}},
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

// TestBackpressure: a full buffer stops reading instead of dropping, and
// every envelope arrives, in order, once the buffer is drained.
func TestBackpressure(t *testing.T) {
	t.Parallel()
	a, b := pair(t)
	nb := b.node()
	nb.mu.Lock()
	nb.limits.MaxBuffered = 2
	nb.mu.Unlock()
	const n = 6
	for i := range n {
		mustInvoke(t, a.h, effects.NetworkSendEnvelope, args("envelope", envelope("a", "b", "c", fmt.Sprint(i))))
	}
	for i := range n {
		if err := b.node().WaitBuffered(waitCtx(t), 1); err != nil {
			t.Fatal(err)
		}
		if got := b.node().Buffered(); got > 2 {
			t.Fatalf("%d envelopes buffered past the limit of 2", got)
		}
		if v := mustInvoke(t, b.h, effects.NetworkReceiveEnvelope, sdk.Null()); !v.Equal(envelope("a", "b", "c", fmt.Sprint(i))) {
			t.Fatalf("receive %d = %v", i, v)
		}
	}
}

// TestCloseEndsEveryGoroutine uses nodes directly, without a harness, so
// that any goroutine left behind is the node's.
func TestCloseEndsEveryGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	a, err := Listen(Config{Name: "a", Identity: newKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Listen(Config{Name: "b", Identity: newKey(t),
		Peers: map[string]Peer{"a": {Address: a.Addr(), PublicKey: a.PublicKey()}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetPeer("b", Peer{Address: b.Addr(), PublicKey: b.PublicKey()}); err != nil {
		t.Fatal(err)
	}
	e, _ := networkops.ParseEnvelope(envelope("b", "a", "c", "x"))
	for _, send := range []struct {
		from *Node
		e    Envelope
	}{{b, e}} {
		if err := send.from.Send(waitCtx(t), send.e); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.WaitBuffered(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	back, _ := networkops.ParseEnvelope(envelope("a", "b", "c", "y"))
	if err := a.Send(waitCtx(t), back); err != nil {
		t.Fatal(err)
	}
	if err := b.WaitBuffered(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*Node{a, b, a} { // a twice: Close is idempotent
		if err := n.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			t.Fatal(err)
		}
	}
	if err := a.Send(context.Background(), back); !errors.Is(err, effects.ErrUnavailable) {
		t.Fatalf("send after close: %v", err)
	}
}

// refusingAddr is a loopback address that refuses connections for the whole
// test: its port is bound, so that no other process can take it, but not
// listening. (A port released after a listen could be anyone's a moment
// later.)
func refusingAddr(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
}
