package transport

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/internal/netns"
	"github.com/aurahost/aura-host/plugins/internal/networkops"
)

// Processes in network namespaces: the test binary, re-executed inside a
// namespace (netns Host.Command) with processEnv naming what it is to be,
// runs TestHelperProcess only. It is driven over stdin and stdout, one
// JSON object a line each way, and exits when its stdin closes.

// processEnv carries a helperSpec to a re-executed test binary.
const processEnv = "AURA_TRANSPORT_TEST_PROCESS"

// helperSpec is what a helper process is.
type helperSpec struct {
	Role   string   // "relay" or "node"
	Name   string   // the node's name
	Listen []string // its addresses
	Relays []wireRelay
}

// wireRelay is a RelayInfo on the wire.
type wireRelay struct {
	Address   string
	PublicKey string // hex
}

func (w wireRelay) info() RelayInfo {
	k, _ := hex.DecodeString(w.PublicKey)
	return RelayInfo{Address: w.Address, PublicKey: k}
}

// command is one request to a helper process; reply is its answer.
type command struct {
	Op      string
	Peer    string     // a peer's name
	Address []string   `json:",omitempty"` // a peer's addresses
	Key     string     `json:",omitempty"` // a peer's public key, hex
	Relay   *wireRelay `json:",omitempty"` // a peer's relay
	Payload string     `json:",omitempty"`
	N       int        `json:",omitempty"`
	Senders int        `json:",omitempty"`
	Size    int        `json:",omitempty"`
}

type reply struct {
	Err        string    `json:",omitempty"`
	Addrs      []string  `json:",omitempty"`
	PublicKey  string    `json:",omitempty"`
	Source     string    `json:",omitempty"`
	Payload    string    `json:",omitempty"`
	Remote     []string  `json:",omitempty"` // remote addresses of the connections to Peer
	Samples    []float64 `json:",omitempty"` // round trips, µs
	PerSecond  float64   `json:",omitempty"`
	Bytes      int64     `json:",omitempty"` // heap in use after GC
	Stack      int64     `json:",omitempty"` // goroutine stacks in use
	Goroutines int       `json:",omitempty"`
	Peers      []peerOut `json:",omitempty"`
}

type peerOut struct {
	Name, Key string
}

// TestHelperProcess is a helper process when processEnv is set, and
// nothing otherwise.
func TestHelperProcess(t *testing.T) {
	spec := os.Getenv(processEnv)
	if spec == "" {
		t.Skip("a helper process for the namespace tests, run by them")
	}
	var sp helperSpec
	if err := json.Unmarshal([]byte(spec), &sp); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	// Exit without the test framework's summary on stdout, which is the
	// protocol's channel.
	os.Exit(runHelper(sp, os.Stdin, os.Stdout))
}

func runHelper(sp helperSpec, stdin io.Reader, stdout io.Writer) int {
	out := json.NewEncoder(stdout)
	fail := func(err error) int {
		out.Encode(reply{Err: err.Error()})
		return 1
	}
	_, key, _ := ed25519.GenerateKey(nil)
	level := hclog.LevelFromString(os.Getenv(processEnv + "_LOG")) // e.g. debug
	if level == hclog.NoLevel {
		level = hclog.Warn
	}
	logger := hclog.New(&hclog.LoggerOptions{Output: os.Stderr, Level: level})
	if sp.Role == "relay" {
		r, err := NewRelay(RelayConfig{Listen: sp.Listen, Identity: key, Logger: logger})
		if err != nil {
			return fail(err)
		}
		defer r.Close()
		out.Encode(reply{Addrs: r.Addrs(), PublicKey: hex.EncodeToString(r.PublicKey())})
		io.Copy(io.Discard, stdin) // until the test closes stdin
		return 0
	}
	var relays []RelayInfo
	for _, r := range sp.Relays {
		relays = append(relays, r.info())
	}
	n, err := Listen(Config{Name: sp.Name, ListenAddresses: sp.Listen, Identity: key, Relays: relays, Logger: logger})
	if err != nil {
		return fail(err)
	}
	h := &helper{n: n, extra: map[string]*Node{}}
	defer h.close()
	out.Encode(reply{Addrs: n.Addrs(), PublicKey: hex.EncodeToString(n.PublicKey())})
	in := bufio.NewScanner(stdin)
	in.Buffer(nil, 1<<20)
	for in.Scan() {
		var c command
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			return fail(err)
		}
		r, err := h.do(c)
		if err != nil {
			r = reply{Err: err.Error()}
		}
		out.Encode(r)
	}
	return 0
}

// helper is a node process's state.
type helper struct {
	n          *Node
	wg         sync.WaitGroup
	stop       atomic.Bool
	tcp        net.Listener
	extra      map[string]*Node // the peers spawn_peers made
	targetName string           // the node they know
}

func (h *helper) close() {
	h.stop.Store(true)
	if h.tcp != nil {
		h.tcp.Close()
	}
	for _, x := range h.extra {
		x.Close()
	}
	h.n.Close() // ends the echo loop's waits
	h.wg.Wait()
}

func deadline(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

func (h *helper) do(c command) (reply, error) {
	switch c.Op {
	case "set_peer":
		key, err := hex.DecodeString(c.Key)
		if err != nil {
			return reply{}, err
		}
		p := Peer{Addresses: c.Address, PublicKey: key}
		if c.Relay != nil {
			info := c.Relay.info()
			p.Relay = &info
		}
		return reply{}, h.n.SetPeer(c.Peer, p)
	case "wait_reserved":
		ctx, cancel := deadline(20 * time.Second)
		defer cancel()
		if err := h.n.WaitReserved(ctx, c.N); err != nil {
			return reply{}, err
		}
		return reply{Addrs: h.n.Addrs()}, nil
	case "send":
		ctx, cancel := deadline(20 * time.Second)
		defer cancel()
		return reply{}, h.n.Send(ctx, benchEnvelope(h.n.Name(), c.Peer, "ctx", c.Payload))
	case "receive":
		ctx, cancel := deadline(20 * time.Second)
		defer cancel()
		if err := h.n.WaitBuffered(ctx, 1); err != nil {
			return reply{}, err
		}
		e, _ := h.n.Receive()
		src, _ := e.Source.AsString()
		return reply{Source: src, Payload: string(e.Payload)}, nil
	case "connections":
		var remote []string
		for _, conn := range h.n.h.Network().ConnsToPeer(h.n.peers[c.Peer]) {
			remote = append(remote, conn.RemoteMultiaddr().String())
		}
		return reply{Remote: remote}, nil
	case "echo":
		h.wg.Add(1)
		go h.echo()
		return reply{}, nil
	case "tcp_echo":
		l, err := net.Listen("tcp", c.Address[0])
		if err != nil {
			return reply{}, err
		}
		h.tcp = l
		h.wg.Add(1)
		go h.tcpEcho(l)
		return reply{Addrs: []string{l.Addr().String()}}, nil
	case "rtt":
		return h.rtt(c)
	case "tcp_rtt":
		return tcpRTT(c)
	case "throughput":
		return h.throughput(c)
	case "heap":
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return reply{Bytes: int64(m.HeapAlloc), Stack: int64(m.StackInuse), Goroutines: runtime.NumGoroutine()}, nil
	case "spawn_peers":
		return h.spawnPeers(c)
	case "peers_send":
		return h.peersSend()
	case "drain":
		ctx, cancel := deadline(30 * time.Second)
		defer cancel()
		if err := h.n.WaitBuffered(ctx, c.N); err != nil {
			return reply{}, err
		}
		for range c.N {
			h.n.Receive()
		}
		return reply{}, nil
	}
	return reply{}, fmt.Errorf("unknown op %q", c.Op)
}

// benchEnvelope is an envelope from src to dst carrying payload.
func benchEnvelope(src, dst, ctx, payload string) Envelope {
	e, err := networkops.ParseEnvelope(envelope(src, dst, ctx, payload))
	if err != nil {
		panic(err)
	}
	return e
}

// echo sends every envelope back to its source, in its context, until the
// node closes.
func (h *helper) echo() {
	defer h.wg.Done()
	for !h.stop.Load() {
		if err := h.n.WaitBuffered(h.n.life, 1); err != nil {
			return
		}
		e, ok := h.n.Receive()
		if !ok {
			continue
		}
		back := e
		back.Source, back.Destination = e.Destination, e.Source
		ctx, cancel := deadline(20 * time.Second)
		h.n.Send(ctx, back)
		cancel()
	}
}

// tcpEcho echoes each connection's bytes back.
func (h *helper) tcpEcho(l net.Listener) {
	defer h.wg.Done()
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		conns.Add(1)
		go func() {
			defer conns.Done()
			defer c.Close()
			io.Copy(c, c)
		}()
	}
}

// rtt measures c.N round trips of an envelope of c.Size payload bytes to
// the echoing peer c.Peer, one at a time.
func (h *helper) rtt(c command) (reply, error) {
	payload := strings.Repeat("x", c.Size)
	e := benchEnvelope(h.n.Name(), c.Peer, "rtt", payload)
	samples := make([]float64, 0, c.N)
	for range c.N + 1 {
		ctx, cancel := deadline(20 * time.Second)
		start := time.Now()
		err := h.n.Send(ctx, e)
		if err == nil {
			err = h.n.WaitBuffered(ctx, 1)
		}
		cancel()
		if err != nil {
			return reply{}, err
		}
		h.n.Receive()
		samples = append(samples, float64(time.Since(start).Nanoseconds())/1e3)
	}
	return reply{Samples: samples[1:]}, nil // the first one dialled
}

// tcpRTT measures c.N round trips of c.Size bytes over one plain TCP
// connection to the echo server at c.Address.
func tcpRTT(c command) (reply, error) {
	conn, err := net.DialTimeout("tcp", c.Address[0], 10*time.Second)
	if err != nil {
		return reply{}, err
	}
	defer conn.Close()
	conn.(*net.TCPConn).SetNoDelay(true)
	msg := make([]byte, c.Size)
	binary.BigEndian.PutUint32(msg, uint32(c.Size))
	back := make([]byte, c.Size)
	samples := make([]float64, 0, c.N)
	conn.SetDeadline(time.Now().Add(5 * time.Minute))
	for range c.N + 1 {
		start := time.Now()
		if _, err := conn.Write(msg); err != nil {
			return reply{}, err
		}
		if _, err := io.ReadFull(conn, back); err != nil {
			return reply{}, err
		}
		samples = append(samples, float64(time.Since(start).Nanoseconds())/1e3)
	}
	return reply{Samples: samples[1:]}, nil
}

// throughput sends c.N envelopes to the echoing peer from c.Senders
// goroutines at once and returns how many came back per second.
func (h *helper) throughput(c command) (reply, error) {
	payload := strings.Repeat("x", c.Size)
	var next atomic.Int64
	errs := make(chan error, c.Senders+1)
	start := time.Now()
	var senders sync.WaitGroup
	for i := range c.Senders {
		senders.Add(1)
		go func() {
			defer senders.Done()
			e := benchEnvelope(h.n.Name(), c.Peer, fmt.Sprint("s", i), payload)
			for next.Add(1) <= int64(c.N) {
				ctx, cancel := deadline(30 * time.Second)
				err := h.n.Send(ctx, e)
				cancel()
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	ctx, cancel := deadline(2 * time.Minute)
	defer cancel()
	for got := 0; got < c.N; got++ {
		if err := h.n.WaitBuffered(ctx, 1); err != nil {
			senders.Wait()
			select {
			case err := <-errs:
				return reply{}, err
			default:
			}
			return reply{}, fmt.Errorf("%d of %d envelopes came back: %w", got, c.N, err)
		}
		h.n.Receive()
	}
	elapsed := time.Since(start)
	senders.Wait()
	return reply{PerSecond: float64(c.N) / elapsed.Seconds()}, nil
}

// spawnPeers starts c.N nodes in this process, each knowing the node
// given (c.Peer at c.Address with c.Key) as its only peer.
func (h *helper) spawnPeers(c command) (reply, error) {
	key, err := hex.DecodeString(c.Key)
	if err != nil {
		return reply{}, err
	}
	var out []peerOut
	for i := range c.N {
		name := fmt.Sprintf("p%03d", i)
		_, k, _ := ed25519.GenerateKey(nil)
		x, err := Listen(Config{Name: name, Identity: k, // dialling out only
			Peers: map[string]Peer{c.Peer: {Addresses: c.Address, PublicKey: key}}})
		if err != nil {
			return reply{}, err
		}
		h.extra[name] = x
		out = append(out, peerOut{Name: name, Key: hex.EncodeToString(x.PublicKey())})
	}
	h.targetName = c.Peer
	return reply{Peers: out}, nil
}

// peersSend makes every spawned peer send one envelope to the target.
func (h *helper) peersSend() (reply, error) {
	for _, name := range slices.Sorted(maps.Keys(h.extra)) {
		ctx, cancel := deadline(20 * time.Second)
		err := h.extra[name].Send(ctx, benchEnvelope(name, h.targetName, "mem", "hello"))
		cancel()
		if err != nil {
			return reply{}, err
		}
	}
	return reply{}, nil
}

// proc is a helper process as the test sees it.
type proc struct {
	t     testing.TB
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan []byte
	ready reply
}

// startProc starts a helper process in host (nil: no namespace) and waits
// for its first line.
func startProc(t testing.TB, host *netns.Host, sp helperSpec) *proc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := json.Marshal(sp)
	args := []string{"-test.run=^TestHelperProcess$", "-test.count=1"}
	var cmd *exec.Cmd
	if host != nil {
		cmd = host.Command(exe, args...)
	} else {
		cmd = exec.Command(exe, args...)
	}
	cmd.Env = append(os.Environ(), processEnv+"="+string(spec))
	cmd.Stderr = &prefixWriter{t: t, prefix: sp.Role + " " + sp.Name + ": "}
	p := &proc{t: t, name: sp.Role + " " + sp.Name, cmd: cmd, lines: make(chan []byte, 16)}
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			p.lines <- slices.Clone(sc.Bytes())
		}
		close(p.lines)
	}()
	t.Cleanup(func() {
		p.stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Errorf("%s did not exit when its stdin closed", p.name)
		}
	})
	p.ready = p.next()
	return p
}

// next reads the process's next reply, failing the test on an error.
func (p *proc) next() reply {
	p.t.Helper()
	select {
	case line, ok := <-p.lines:
		if !ok {
			p.t.Fatalf("%s exited", p.name)
		}
		var r reply
		if err := json.Unmarshal(line, &r); err != nil {
			p.t.Fatalf("%s said %q: %v", p.name, line, err)
		}
		if r.Err != "" {
			p.t.Fatalf("%s: %s", p.name, r.Err)
		}
		return r
	case <-time.After(3 * time.Minute):
		p.t.Fatalf("%s did not answer", p.name)
	}
	return reply{}
}

// do sends a command and waits for its reply.
func (p *proc) do(c command) reply {
	p.t.Helper()
	line, _ := json.Marshal(c)
	if _, err := fmt.Fprintf(p.stdin, "%s\n", line); err != nil {
		p.t.Fatalf("%s: %v", p.name, err)
	}
	return p.next()
}

// prefixWriter writes a helper's stderr to the test log.
type prefixWriter struct {
	t      testing.TB
	prefix string
}

func (w *prefixWriter) Write(b []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		w.t.Log(w.prefix + line)
	}
	return len(b), nil
}

// percentile is the p-th percentile (0 < p < 1) of samples.
func percentile(samples []float64, p float64) float64 {
	s := slices.Clone(samples)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, int(p*float64(len(s))))]
}
