package host_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aurahost/aura-host/internal/nodeexample"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/supervise"
)

// nestedMaps wraps leaf in n maps {"v": ...}: leaf sits n levels below the
// result.
func nestedMaps(n int, leaf effects.Value) effects.Value {
	v := leaf
	for range n {
		v = effects.Map(map[string]effects.Value{"v": v})
	}
	return v
}

// A value nested exactly to the protocol's depth limit round-trips through
// a plugin whose protobuf library is not Go's (protobufjs, which stops at
// 100 message levels like C++, Java and Python): as an argument and as a
// result, with maps — three message levels per nesting level, the costliest
// — and an empty container at the bottom. One level deeper is refused by
// the host's router with invalid_args before the plugin sees it. Before
// effects.MaxDepth was lowered from 64, such a value broke the plugin's call
// stream and the host restarted it.
func TestNodePluginRoundTripsValuesAtTheDepthLimit(t *testing.T) {
	script := nodeexample.Script(t)
	dep := deployment(t, `deployment "t" {
  mode = "testing"
}
plugin "node" {
  command = "`+script+`"
}
`)
	h := startNode(t, dep, testLogger(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// As an argument: the arguments map is depth 0, so value's innermost
	// empty map is at depth MaxDepth.
	deepest := nestedMaps(effects.MaxDepth-1, effects.Map(nil))
	got, err := h.Invoke(ctx, call("node.echo", map[string]effects.Value{"value": deepest}))
	if err != nil {
		t.Fatalf("node.echo of a value at the depth limit: %v", err)
	}
	if !got.Equal(deepest) {
		t.Fatalf("node.echo changed the value:\n got %v\nwant %v", got, deepest)
	}

	// As a result: an empty list MaxDepth levels below the result.
	got, err = h.Invoke(ctx, call("node.nest", map[string]effects.Value{
		"levels": effects.Uint(effects.MaxDepth), "leaf": effects.List()}))
	if err != nil {
		t.Fatalf("node.nest at the depth limit: %v", err)
	}
	if want := nestedMaps(effects.MaxDepth, effects.List()); !got.Equal(want) {
		t.Fatalf("node.nest:\n got %v\nwant %v", got, want)
	}

	callsBefore := nodeCalls(t, h)
	_, err = h.Invoke(ctx, call("node.echo", map[string]effects.Value{"value": nestedMaps(effects.MaxDepth, effects.Map(nil))}))
	var e *effects.Error
	if !errors.As(err, &e) || e.Code != effects.CodeInvalidArgs {
		t.Fatalf("one level deeper: got %v, want invalid_args", err)
	}
	if after := nodeCalls(t, h); after != callsBefore {
		t.Fatalf("the too-deep call reached the plugin (%d calls before, %d after)", callsBefore, after)
	}

	// The plugin refuses to build a result past the limit itself.
	_, err = h.Invoke(ctx, call("node.nest", map[string]effects.Value{"levels": effects.Uint(effects.MaxDepth + 1)}))
	if !errors.As(err, &e) || e.Code != effects.CodeInvalidArgs {
		t.Fatalf("node.nest past the limit: got %v, want invalid_args", err)
	}

	for _, p := range h.Plugins() {
		if p.Name == "node" && (p.Restarts != 0 || p.State != supervise.StateReady) {
			t.Fatalf("the node plugin was disturbed: state %s, %d restarts, last exit %q", p.State, p.Restarts, p.LastExit)
		}
	}
}

// nodeCalls is how many calls the host has sent the node plugin.
func nodeCalls(t *testing.T, h *host.Host) uint64 {
	t.Helper()
	for _, p := range h.Plugins() {
		if p.Name == "node" {
			return p.Calls
		}
	}
	t.Fatal("no plugin named node")
	return 0
}

// lockedBuffer is a log destination a test reads while the host writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startBrokenNode starts a host whose node plugin is broken on purpose
// (AURA_NODE_EXAMPLE_BREAK), logging to the returned buffer.
func startBrokenNode(t *testing.T, brk string) (*host.Host, *lockedBuffer) {
	t.Helper()
	script := nodeexample.Script(t)
	dep := deployment(t, `deployment "t" {
  mode = "testing"
}
plugin "node" {
  command = "`+script+`"
  env     = { AURA_NODE_EXAMPLE_BREAK = "`+brk+`" }
}
`)
	logs := &lockedBuffer{}
	h := startNode(t, dep, hclog.New(&hclog.LoggerOptions{Output: io.MultiWriter(logs, testLogWriter{t}), Level: hclog.Info}))
	return h, logs
}

// nodeStartTimeout bounds the Node plugin's start-up in these tests. Node
// loading grpc-js and the protos takes a second on an idle machine and
// several on a loaded CI machine running every package's tests at once:
// more than the host's default bound of 10 s leaves room for.
const nodeStartTimeout = 60 * time.Second

// startNode starts a host for dep, logging to logger, and shuts it down
// when the test ends.
func startNode(t *testing.T, dep *config.Deployment, logger hclog.Logger) *host.Host {
	t.Helper()
	h, err := host.New(host.Config{Deployment: dep, Executable: auraHost, StopTimeout: 2 * time.Second,
		StartTimeout: nodeStartTimeout, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*nodeStartTimeout)
	defer cancel()
	if err := h.Start(ctx); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { shutdownHost(t, h) })
	return h
}

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// A plugin that echoes the wrong call_id leaves its caller waiting until
// the deadline; the host says why in its log, at warn, naming the plugin
// and the ID it got.
func TestHostLogsAResultForAnUnknownCallID(t *testing.T) {
	h, logs := startBrokenNode(t, "call-id")
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if _, err := h.Invoke(ctx, call("node.count", nil)); !errors.Is(err, effects.ErrTimeout) {
		t.Fatalf("a call answered under another ID: got %v, want timeout", err)
	}
	// The answer may be read after the caller gave up: wait for the line.
	wait, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	for !strings.Contains(logs.String(), "not in flight") {
		select {
		case <-wait.Done():
			t.Fatalf("no warning about the unknown call_id in the log:\n%s", logs.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	line := ""
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "not in flight") {
			line = l
		}
	}
	for _, want := range []string{"[WARN]", "plugin=node", "call_id="} {
		if !strings.Contains(line, want) {
			t.Fatalf("the warning lacks %q: %s", want, line)
		}
	}
}

// The same check with the Node plugin answering a wrong kind.
func TestNodePluginOfTheWrongKindIsAnInternalError(t *testing.T) {
	h, _ := startBrokenNode(t, "wrong-kind")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := h.Invoke(ctx, call("node.greet", map[string]effects.Value{"name": effects.String("Ada")}))
	var e *effects.Error
	if !errors.As(err, &e) || e.Code != effects.CodeInternal || e.Plugin != "node" || e.Op != "node.greet" ||
		!strings.Contains(e.Message, "declares a string result") {
		t.Fatalf("got %v, want internal naming plugin node and node.greet", err)
	}
}

// The Node.js plugin, which offers no data plane, and a Go plugin on its
// data plane serve side by side in one deployment: each on its own
// transport, concurrent calls to both answered, and a crash of the Go
// plugin (its data plane breaks, it is restarted) leaves the Node plugin
// undisturbed.
func TestNodeStreamAndGoDataPlaneServeSideBySide(t *testing.T) {
	script := nodeexample.Script(t)
	dep := deployment(t, `deployment "t" {
  mode = "testing"
}
plugin "node" {
  command = "`+script+`"
}
plugin "tp" {
  command        = "TESTPLUGIN"
  allow_unpinned = true
}
`)
	h := startNode(t, dep, testLogger(t))
	transports := map[string]string{}
	for _, p := range h.Plugins() {
		transports[p.Name] = p.Transport
	}
	if transports["node"] != "stream" || transports["tp"] != "dataplane" {
		t.Fatalf("transports = %v, want node on stream and tp on dataplane", transports)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			want := effects.Int(int64(i))
			for _, op := range []string{"node.echo", "test.echo"} {
				got, err := h.Invoke(ctx, call(op, map[string]effects.Value{"value": want}))
				if err != nil || !got.Equal(want) {
					t.Errorf("%s from caller %d: %v, %v", op, i, got, err)
				}
			}
		})
	}
	wg.Wait()

	pid := 0
	for _, p := range h.Plugins() {
		if p.Name == "tp" {
			pid = p.PID
		}
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// test.echo is idempotent: the router retries it on the restarted process.
	if got, err := h.Invoke(ctx, call("test.echo", map[string]effects.Value{"value": effects.String("again")})); err != nil || got.String() != `"again"` {
		t.Fatalf("test.echo after the Go plugin's crash: %v, %v", got, err)
	}
	if got, err := h.Invoke(ctx, call("node.echo", map[string]effects.Value{"value": effects.String("still")})); err != nil || got.String() != `"still"` {
		t.Fatalf("node.echo after the Go plugin's crash: %v, %v", got, err)
	}
	for _, p := range h.Plugins() {
		if p.Name == "node" && (p.Restarts != 0 || p.State != supervise.StateReady) {
			t.Fatalf("the node plugin was disturbed: state %s, %d restarts", p.State, p.Restarts)
		}
	}
}
