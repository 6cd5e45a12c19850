package transport

import (
	"slices"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/internal/netns"
)

// TestRelayBetweenNamespaces: three machines, A — R — B, linked A to R and
// R to B only, so nothing routes between A and B. R runs a relay; A and B
// each reserve a slot on it (A over QUIC, B over TCP) and know each other
// by key, B's direct address (unreachable from A) and the relay. They
// exchange envelopes both ways, over a circuit through R.
func TestRelayBetweenNamespaces(t *testing.T) {
	t.Parallel()
	lab := netns.New(t)
	hA, hR, hB := lab.Host("a"), lab.Host("r"), lab.Host("b")
	ar, rb := lab.Link(hA, hR), lab.Link(hR, hB)

	relay := startProc(t, hR, helperSpec{Role: "relay", Listen: []string{
		ar.AddrB + ":4001", "/ip4/" + ar.AddrB + "/udp/4001/quic-v1", rb.AddrA + ":4001"}})
	viaA := wireRelay{Address: "/ip4/" + ar.AddrB + "/udp/4001/quic-v1", PublicKey: relay.ready.PublicKey}
	viaB := wireRelay{Address: rb.AddrA + ":4001", PublicKey: relay.ready.PublicKey}

	a := startProc(t, hA, helperSpec{Role: "node", Name: "a", Listen: []string{ar.AddrA + ":4001"}, Relays: []wireRelay{viaA}})
	b := startProc(t, hB, helperSpec{Role: "node", Name: "b", Listen: []string{rb.AddrB + ":4001"}, Relays: []wireRelay{viaB}})
	// Each knows the other's own address, which does not route, and the
	// relay at the address it reaches the relay at.
	a.do(command{Op: "set_peer", Peer: "b", Address: b.ready.Addrs, Key: b.ready.PublicKey, Relay: &viaA})
	b.do(command{Op: "set_peer", Peer: "a", Address: a.ready.Addrs, Key: a.ready.PublicKey, Relay: &viaB})
	for _, n := range []*proc{a, b} {
		got := n.do(command{Op: "wait_reserved", N: 1})
		if !slices.ContainsFunc(got.Addrs, func(s string) bool { return strings.HasSuffix(s, "/p2p-circuit") }) {
			t.Fatalf("%s reserved, but its addresses %v hold no circuit", n.name, got.Addrs)
		}
	}

	for round := range 3 {
		for _, x := range []struct {
			from, to *proc
			peer     string
		}{{a, b, "b"}, {b, a, "a"}} {
			payload := x.from.name + " to " + x.peer + " #" + string(rune('0'+round))
			x.from.do(command{Op: "send", Peer: x.peer, Payload: payload})
			got := x.to.do(command{Op: "receive"})
			if got.Payload != payload || got.Source != strings.TrimPrefix(x.from.name, "node ") {
				t.Fatalf("%s received %q from %q, want %q", x.to.name, got.Payload, got.Source, payload)
			}
		}
	}
	for _, x := range []struct {
		n    *proc
		peer string
	}{{a, "b"}, {b, "a"}} {
		conns := x.n.do(command{Op: "connections", Peer: x.peer}).Remote
		if len(conns) == 0 || slices.ContainsFunc(conns, func(s string) bool { return !strings.Contains(s, "/p2p-circuit") }) {
			t.Fatalf("%s's connections to %s are %v, want only circuits through the relay", x.n.name, x.peer, conns)
		}
	}
}
