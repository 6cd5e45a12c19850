package transport

import (
	"bytes"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// wireProxy is a TCP proxy in front of a relay: it records every byte
// between the nodes and the relay and, once armed, flips a bit of each
// chunk it forwards.
type wireProxy struct {
	l     net.Listener
	to    string
	mu    sync.Mutex
	seen  bytes.Buffer
	flip  atomic.Bool
	flips atomic.Int64
	wg    sync.WaitGroup
}

func startProxy(t *testing.T, to string) *wireProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &wireProxy{l: l, to: to}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() { l.Close(); p.wg.Wait() })
	return p
}

func (p *wireProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.to)
		if err != nil {
			c.Close()
			continue
		}
		p.wg.Add(2)
		go p.pipe(up, c)
		go p.pipe(c, up)
	}
}

func (p *wireProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			p.seen.Write(buf[:n])
			p.mu.Unlock()
			if p.flip.Load() {
				buf[n/2] ^= 0x01
				p.flips.Add(1)
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil { // EOF or reset: close both ways
			return
		}
	}
}

func (p *wireProxy) bytes() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Clone(p.seen.Bytes())
}

// TestRelayWireCarriesNoPlaintext: on the wire to and from a relay (a
// proxy in front of it records it), envelopes never appear in clear, and
// a flipped byte closes the connection rather than delivering anything.
// (TestRelayCarriesOnlyCiphertext looks from inside the relay itself.)
func TestRelayWireCarriesNoPlaintext(t *testing.T) {
	t.Parallel()
	r := startRelay(t, RelayConfig{})
	proxy := startProxy(t, r.Addr())
	a, b, _ := relayedPair(t, RelayInfo{Address: proxy.l.Addr().String(), PublicKey: r.PublicKey()})
	const marker = "PLAINTEXT-MARKER-on-the-wire-5d1a"
	exchange(t, a, b, marker, marker+"-back")
	if seen := proxy.bytes(); len(seen) < 1000 || bytes.Contains(seen, []byte("PLAINTEXT-MARKER")) {
		t.Fatalf("the proxy saw %d bytes, the plaintext among them: %v", len(seen), bytes.Contains(seen, []byte("PLAINTEXT-MARKER")))
	}

	proxy.flip.Store(true)
	a.Send(waitCtx(t), mustEnvelope(t, envelope("a", "b", "ctx", "amount=100")))
	ctx := waitCtx(t)
	for slices.Contains(b.ConnectedPeers(), "a") || slices.Contains(a.ConnectedPeers(), "b") {
		if ctx.Err() != nil {
			t.Fatal("the connections stayed open though the wire was tampered with")
		}
		if err := b.WaitBuffered(ctxFor(ctx, 10), 1); err == nil {
			got, _ := b.Receive()
			t.Fatalf("b received %v over a tampered wire", got.Value())
		}
	}
	if proxy.flips.Load() == 0 || b.Buffered() != 0 {
		t.Fatalf("flipped %d chunks; b holds %d envelopes", proxy.flips.Load(), b.Buffered())
	}
}
