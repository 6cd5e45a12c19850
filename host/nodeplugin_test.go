package host_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/supervise"
)

// nodePluginScript is the Node.js example plugin (examples/node-plugin),
// ready to run: node on PATH and its npm packages installed. Without node
// the test is skipped on a developer's machine; under CI (CI set) it fails,
// since CI installs both (.ci/run).
func nodePluginScript(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "examples", "node-plugin"))
	if err != nil {
		t.Fatal(err)
	}
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not on PATH"
	} else if _, err := os.Stat(filepath.Join(dir, "node_modules", "@grpc", "grpc-js")); err != nil {
		missing = "examples/node-plugin/node_modules is missing"
	}
	if missing != "" {
		if os.Getenv("CI") == "" {
			t.Skipf("%s: install Node.js and run `npm ci` in examples/node-plugin to run this test", missing)
		}
		t.Fatalf("%s: CI must run the Node.js example plugin: install nodejs and npm, then run `npm ci` in examples/node-plugin (.ci/run does both)", missing)
	}
	return filepath.Join(dir, "plugin.js")
}

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
	script := nodePluginScript(t)
	dep := deployment(t, `deployment "t" {
  mode = "testing"
}
plugin "node" {
  command = "`+script+`"
}
`)
	h := startHost(t, dep)
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
