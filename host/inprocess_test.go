package host_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/supervise"
	"github.com/aurahost/aura-host/plugins"
)

// Built-ins run in process answer like their plugin processes, with the
// same checks, and start no process.
func TestBuiltinsInProcess(t *testing.T) {
	dep := deployment(t, `
deployment "t" {}
plugin "crypto" { builtin = "crypto" }
plugin "storage" { builtin = "storage" }
`)
	h, err := host.New(host.Config{Deployment: dep, Executable: "/nonexistent/aura-host", Logger: testLogger(t),
		InProcess: true, Builtins: plugins.Lookup})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shutdownHost(t, h) })
	for _, p := range h.Plugins() {
		if !p.InProcess || p.State != supervise.StateReady || p.PID != 0 {
			t.Fatalf("plugin status %+v, want ready in process", p)
		}
	}
	sum := invoke(t, h, "crypto.hash", map[string]effects.Value{"data": effects.Bytes([]byte("x"))})
	if sum.Len() != 32 {
		t.Fatalf("hash = %v", sum)
	}
	invoke(t, h, "storage.store", map[string]effects.Value{"key": effects.String("k"), "value": effects.Bytes([]byte("v"))})
	if got := invoke(t, h, "storage.retrieve", map[string]effects.Value{"key": effects.String("k")}); got.BytesString() != "v" {
		t.Fatalf("retrieve = %v", got)
	}
	if got, err := h.InvokeText(context.Background(), "storage.retrieve", effects.TextArgs{Pairs: []string{"key=k"}}); err != nil || got.BytesString() != "v" {
		t.Fatalf("retrieve key=k = %v, %v", got, err)
	}
	if _, err := h.InvokeText(context.Background(), "storage.retrieve", effects.TextArgs{Pairs: []string{"colour=red"}}); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Fatalf("an argument the operation does not declare: %v", err)
	}
	if _, err := h.InvokeText(context.Background(), "crypto.none", effects.TextArgs{}); effects.AsError(err).Code != effects.CodeUnknownOp {
		t.Fatalf("an operation no plugin serves: %v", err)
	}
	c := call("crypto.hash", map[string]effects.Value{"data": effects.Bytes(nil)})
	c.Authority = effects.DeriveAuthorityID("mallory", 0)
	if _, err := h.Invoke(context.Background(), c); !errors.Is(err, effects.ErrDenied) {
		t.Fatalf("other authority: got %v, want denied", err)
	}
	if _, err := os.Stat(dep.StateDir + "/plugins/storage/storage.db"); err != nil {
		t.Fatalf("in-process storage keeps its file in the plugin's state dir: %v", err)
	}
}
