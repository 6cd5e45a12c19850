package transport

import (
	"testing"

	"github.com/aurahost/aura-host/internal/netns"
)

// benchPayload is the payload of the benchmarks' envelopes: a small
// protocol message.
const benchPayload = 256

// BenchmarkNamespaces measures the transport between two network
// namespaces joined by a veth pair: an echo node in one, and in the other
// a client node (each a re-executed test binary), driven over their
// stdin and stdout. It skips where namespaces cannot be made. Run:
//
//	go test -run '^$' -bench BenchmarkNamespaces -benchtime 2000x ./plugins/transport/
//
// RoundTrip: one envelope at a time, sent and echoed back, against one
// plain TCP round trip of the same number of bytes (the envelope's frame)
// between the same namespaces: the p50 and p99 of each, in µs, and
// envelope-p50/tcp-p50.
// RoundTripQUIC: the same envelope round trip between two QUIC-only
// nodes in the same namespaces.
// Throughput16Senders: b.N envelopes sent by 16 goroutines at once and
// echoed back; envelopes/s counts the round trips completed per second.
// MemoryPerPeer: the heap growth of a node (its own process) once 48
// peers (in the other namespace) have connected and each delivered one
// envelope, divided by 48: heap-B/peer (live heap after GC), stack-B/peer
// (goroutine stacks) and goroutines/peer.
func BenchmarkNamespaces(b *testing.B) {
	parent := b
	lab := netns.New(b)
	hEcho, hClient := lab.Host("echo"), lab.Host("client")
	lk := lab.Link(hEcho, hClient)
	echo := startProc(b, hEcho, helperSpec{Role: "node", Name: "echo", Listen: []string{lk.AddrA + ":4001"}})
	client := startProc(b, hClient, helperSpec{Role: "node", Name: "client", Listen: []string{lk.AddrB + ":4001"}})
	echo.do(command{Op: "set_peer", Peer: "client", Address: client.ready.Addrs, Key: client.ready.PublicKey})
	client.do(command{Op: "set_peer", Peer: "echo", Address: echo.ready.Addrs, Key: echo.ready.PublicKey})
	echo.do(command{Op: "echo"})
	tcpAddr := echo.do(command{Op: "tcp_echo", Address: []string{lk.AddrA + ":4002"}}).Addrs
	frame := 4 + len(benchEnvelope("client", "echo", "rtt", string(make([]byte, benchPayload))).Value().Canonical())

	b.Run("RoundTrip", func(b *testing.B) {
		b.ResetTimer()
		env := client.do(command{Op: "rtt", Peer: "echo", N: b.N, Size: benchPayload}).Samples
		b.StopTimer()
		tcp := client.do(command{Op: "tcp_rtt", Address: tcpAddr, N: b.N, Size: frame}).Samples
		b.ReportMetric(percentile(env, 0.50), "envelope-p50-µs")
		b.ReportMetric(percentile(env, 0.99), "envelope-p99-µs")
		b.ReportMetric(percentile(tcp, 0.50), "tcp-p50-µs")
		b.ReportMetric(percentile(tcp, 0.99), "tcp-p99-µs")
		b.ReportMetric(percentile(env, 0.50)/percentile(tcp, 0.50), "p50-ratio")
		b.ReportMetric(float64(frame), "frame-bytes")
	})

	b.Run("Throughput16Senders", func(b *testing.B) {
		b.ResetTimer()
		got := client.do(command{Op: "throughput", Peer: "echo", N: b.N, Senders: 16, Size: benchPayload})
		b.StopTimer()
		b.ReportMetric(got.PerSecond, "envelopes/s")
	})

	// The same round trip over QUIC: two more nodes, QUIC only.
	var quicClient *proc
	b.Run("RoundTripQUIC", func(b *testing.B) {
		b.StopTimer()
		if quicClient == nil {
			quicAddr := func(ip string) []string { return []string{"/ip4/" + ip + "/udp/4005/quic-v1"} }
			e := startProc(parent, hEcho, helperSpec{Role: "node", Name: "echo3", Listen: quicAddr(lk.AddrA)})
			quicClient = startProc(parent, hClient, helperSpec{Role: "node", Name: "client3", Listen: quicAddr(lk.AddrB)})
			e.do(command{Op: "set_peer", Peer: "client3", Address: quicClient.ready.Addrs, Key: quicClient.ready.PublicKey})
			quicClient.do(command{Op: "set_peer", Peer: "echo3", Address: e.ready.Addrs, Key: e.ready.PublicKey})
			e.do(command{Op: "echo"})
		}
		b.StartTimer()
		env := quicClient.do(command{Op: "rtt", Peer: "echo3", N: b.N, Size: benchPayload}).Samples
		b.StopTimer()
		b.ReportMetric(percentile(env, 0.50), "quic-p50-µs")
		b.ReportMetric(percentile(env, 0.99), "quic-p99-µs")
	})

	// Through a relay in a third namespace, linked to both (and the two
	// nodes knowing each other only through it): the cost of the relay's
	// hop, against RoundTrip's direct envelope.
	var relayed *proc // made once, by the first call (the processes live until the parent ends)
	b.Run("RoundTripRelayed", func(b *testing.B) {
		b.StopTimer()
		if relayed == nil {
			relayed = relayedBenchPair(parent, lab, hEcho, hClient)
		}
		b.StartTimer()
		env := relayed.do(command{Op: "rtt", Peer: "echo2", N: b.N, Size: benchPayload}).Samples
		b.StopTimer()
		b.ReportMetric(percentile(env, 0.50), "relayed-p50-µs")
		b.ReportMetric(percentile(env, 0.99), "relayed-p99-µs")
	})

	// Measured once whatever b.N: each measurement is two processes and
	// 48 connections, not an operation to repeat.
	b.Run("MemoryPerPeer", func(b *testing.B) {
		const peers = 48
		mem := startProc(b, hEcho, helperSpec{Role: "node", Name: "mem", Listen: []string{lk.AddrA + ":4003"}})
		many := startProc(b, hClient, helperSpec{Role: "node", Name: "many", Listen: []string{lk.AddrB + ":4003"}})
		before := mem.do(command{Op: "heap"})
		spawned := many.do(command{Op: "spawn_peers", N: peers, Peer: "mem", Address: mem.ready.Addrs, Key: mem.ready.PublicKey}).Peers
		for _, p := range spawned {
			mem.do(command{Op: "set_peer", Peer: p.Name, Address: []string{"127.0.0.1:1"}, Key: p.Key})
		}
		many.do(command{Op: "peers_send"})
		mem.do(command{Op: "drain", N: peers})
		after := mem.do(command{Op: "heap"})
		b.ReportMetric(float64(after.Bytes-before.Bytes)/peers, "heap-B/peer")
		b.ReportMetric(float64(after.Stack-before.Stack)/peers, "stack-B/peer")
		b.ReportMetric(float64(after.Goroutines-before.Goroutines)/peers, "goroutines/peer")
		b.ReportMetric(float64(before.Bytes), "heap-before-B")
	})
}

// relayedBenchPair starts a relay in a namespace of its own, linked to
// hEcho and hClient, an echoing node echo2 in hEcho and a node client2 in
// hClient, each holding a reservation on the relay and knowing the other
// only through it; it returns client2.
func relayedBenchPair(b *testing.B, lab *netns.Lab, hEcho, hClient *netns.Host) *proc {
	hRelay := lab.Host("relay")
	er, rc := lab.Link(hEcho, hRelay), lab.Link(hRelay, hClient)
	relay := startProc(b, hRelay, helperSpec{Role: "relay", Listen: []string{er.AddrB + ":4001", rc.AddrA + ":4001"}})
	viaEcho := wireRelay{Address: er.AddrB + ":4001", PublicKey: relay.ready.PublicKey}
	viaClient := wireRelay{Address: rc.AddrA + ":4001", PublicKey: relay.ready.PublicKey}
	echo := startProc(b, hEcho, helperSpec{Role: "node", Name: "echo2", Listen: []string{er.AddrA + ":4001"}, Relays: []wireRelay{viaEcho}})
	client := startProc(b, hClient, helperSpec{Role: "node", Name: "client2", Listen: []string{rc.AddrB + ":4001"}, Relays: []wireRelay{viaClient}})
	echo.do(command{Op: "set_peer", Peer: "client2", Key: client.ready.PublicKey, Relay: &viaEcho})
	client.do(command{Op: "set_peer", Peer: "echo2", Key: echo.ready.PublicKey, Relay: &viaClient})
	echo.do(command{Op: "wait_reserved", N: 1})
	client.do(command{Op: "wait_reserved", N: 1})
	echo.do(command{Op: "echo"})
	return client
}
