package transport

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// Addresses: a node listens on, and dials, TCP and QUIC addresses given
// as "host:port" (TCP) or as multiaddrs:
//
//	/ip4/10.77.1.1/tcp/4001
//	/ip4/10.77.1.1/udp/4001/quic-v1
//	/ip6/::1/tcp/4001
//
// A relay is reached at its own address; the node makes the circuit
// address (relay address /p2p/<relay id>/p2p-circuit) itself, so a
// configured address never holds /p2p or /p2p-circuit.

// Multiaddr turns "host:port" (an IP address, or "localhost": TCP) or a
// multiaddr into a multiaddr. A host name other than localhost is refused
// rather than looked up: the transport makes no DNS request of its own.
// It checks only the syntax of a multiaddr (a descriptor's addresses may
// end in /p2p/<id>); configAddr checks a configured address.
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

// configAddr is Multiaddr for a configured address (listen, a peer's, a
// relay's): host:port, or a TCP or QUIC multiaddr and nothing after.
func configAddr(addr string) (ma.Multiaddr, error) {
	m, err := Multiaddr(addr)
	if err != nil {
		return nil, err
	}
	return m, checkTransportAddr(m)
}

// checkTransportAddr accepts /ip4 or /ip6, then /tcp/N or /udp/N/quic-v1,
// and nothing after.
func checkTransportAddr(m ma.Multiaddr) error {
	var codes []int
	for _, c := range m {
		codes = append(codes, c.Protocol().Code)
	}
	ok := len(codes) >= 2 && (codes[0] == ma.P_IP4 || codes[0] == ma.P_IP6) &&
		((len(codes) == 2 && codes[1] == ma.P_TCP) || (len(codes) == 3 && codes[1] == ma.P_UDP && codes[2] == ma.P_QUIC_V1))
	if ok {
		return nil
	}
	for _, c := range codes {
		switch c {
		case ma.P_CIRCUIT:
			return fmt.Errorf("%s is a relay circuit address: give the relay's own address and key as the peer's relay instead", m)
		case ma.P_P2P:
			return fmt.Errorf("%s names a peer ID: leave /p2p/… out, the peer's public key says who it is", m)
		}
	}
	return fmt.Errorf("%s is not a TCP or QUIC address: use host:port, /ip4/A/tcp/P or /ip4/A/udp/P/quic-v1 (or /ip6/…)", m)
}

// circuitAddr is the address of a peer behind relay: the relay's address,
// its ID, then /p2p-circuit (the swarm appends the peer's ID).
func circuitAddr(relay ma.Multiaddr, relayID peer.ID) ma.Multiaddr {
	return relay.Encapsulate(ma.StringCast("/p2p/" + relayID.String() + "/p2p-circuit"))
}

// isCircuit reports whether m goes through a relay.
func isCircuit(m ma.Multiaddr) bool {
	_, err := m.ValueForProtocol(ma.P_CIRCUIT)
	return err == nil
}

// hostPort is m as host:port for TCP, else m's multiaddr text: either
// form is an address Multiaddr accepts.
func hostPort(m ma.Multiaddr) string {
	if _, err := m.ValueForProtocol(ma.P_TCP); err == nil {
		if na, err := manet.ToNetAddr(m); err == nil {
			return na.String()
		}
	}
	return m.String()
}
