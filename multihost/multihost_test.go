package multihost_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/multihost"
	"github.com/aurahost/aura-host/plugins"
)

func load(t *testing.T, text string) (string, *config.Deployment) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "machine.hcl")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	dep, diags := config.Load(file, config.Options{Builtins: plugins.Names()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return file, dep
}

// A relay machine's key is created once and printed the same every time,
// beside the agents'; the relay it serves proves that key.
func TestRelayKeyAndServe(t *testing.T) {
	_, dep := load(t, `
deployment "net" {}
agent "a" {
  listen = "/ip4/127.0.0.1/tcp/0"
}
relay {
  listen = "/ip4/127.0.0.1/tcp/0"
}
`)
	first, err := multihost.Keys(dep)
	if err != nil {
		t.Fatal(err)
	}
	again, err := multihost.Keys(dep)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 2 || first[0].Agent != "a" || first[1].Agent != "relay" {
		t.Fatalf("keys %+v, want agent a then the relay", first)
	}
	for i := range first {
		if !bytes.Equal(first[i].PublicKey, again[i].PublicKey) {
			t.Fatalf("%s's key changed between two calls", first[i].Agent)
		}
	}
	r, err := multihost.StartRelay(dep, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !bytes.Equal(r.PublicKey(), first[1].PublicKey) {
		t.Fatal("the relay serves another key than the one printed for the peers")
	}
}

// Serve on a relay-only machine serves the relay until its context ends,
// and says where it listens.
func TestServeARelayMachine(t *testing.T) {
	file, dep := load(t, "deployment \"net\" {}\nrelay {\n  listen = \"/ip4/127.0.0.1/tcp/0\"\n}\n")
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	if err := multihost.Serve(ctx, &out, file, dep, nil, "", hclog.NewNullLogger()); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "relay listening on ") {
		t.Fatalf("Serve printed %q", out.String())
	}
}

// A machine whose run names a protocol that does not exist is refused
// before any agent starts, with the run's line.
func TestServeRefusesABadRun(t *testing.T) {
	file, dep := load(t, `
deployment "net" {}
plugin "network" { builtin = "transport" }
agent "a" {
  listen = "/ip4/127.0.0.1/tcp/0"
}
peer "b" {
  address    = "/ip4/127.0.0.1/tcp/1"
  public_key = "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"
}
run "ping" {
  protocol = "missing.hcl"
  roles    = { Client = "a", Server = "b" }
}
`)
	err := multihost.Serve(context.Background(), new(bytes.Buffer), file, dep, nil, "", hclog.NewNullLogger())
	if err == nil || !strings.Contains(err.Error(), "missing.hcl") {
		t.Fatalf("Serve: %v, want the missing protocol named", err)
	}
}

// A machine with a telemetry block serves /metrics while it serves (here a
// relay-only machine, its port any free one), says where first, and stops
// serving it when its context ends.
func TestServeServesMetricsWhileServing(t *testing.T) {
	file, dep := load(t, "deployment \"net\" {}\ntelemetry {\n  prometheus = \"127.0.0.1:9464\"\n}\nrelay {\n  listen = \"/ip4/127.0.0.1/tcp/0\"\n}\n")
	dep.Telemetry.Prometheus = "127.0.0.1:0" // any free port: tests never race for one
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	served := make(chan error, 1)
	go func() {
		served <- multihost.Serve(ctx, pw, file, dep, nil, "", hclog.NewNullLogger())
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatalf("Serve printed nothing: %v", <-served)
	}
	url, ok := strings.CutPrefix(lines.Text(), "metrics at ")
	if !ok {
		t.Fatalf("first line %q, want metrics at URL", lines.Text())
	}
	go func() { // the relay's line, and whatever follows
		for lines.Scan() {
		}
	}()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `aura_host_protocol_sessions_total{outcome="completed"} 0`) {
		t.Fatalf("GET %s: %s\n%.500s", url, resp.Status, body)
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Fatal("the metrics endpoint still answers after Serve returned")
	}
}
