package host_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/supervise"
)

// Plugins become ready in depends_on order and stop in the reverse order.
func TestDependencyOrder(t *testing.T) {
	h, ev := startSupervised(t, `
deployment "t" {}
plugin "storage" {
  builtin    = "storage"
  depends_on = ["crypto"]
}
plugin "tp" {
  command    = "TESTPLUGIN"
  allow_unpinned = true
  depends_on = ["storage"]
}
plugin "crypto" { builtin = "crypto" }
`, nil)
	var ready []string
	for _, e := range ev.snapshot() {
		if e.To == supervise.StateReady {
			ready = append(ready, e.Plugin)
		}
	}
	if got := strings.Join(ready, ","); got != "crypto,storage,tp" {
		t.Fatalf("ready order %s, want crypto,storage,tp (depends_on)", got)
	}
	from := ev.len()
	shutdownHost(t, h)
	var stopped []string
	for _, e := range ev.snapshot()[from:] {
		if e.To == supervise.StateStopping {
			stopped = append(stopped, e.Plugin)
		}
	}
	if got := strings.Join(stopped, ","); got != "tp,storage,crypto" {
		t.Fatalf("stop order %s, want tp,storage,crypto (reverse of depends_on)", got)
	}
}

// Supervision settings come from the plugin's blocks in the deployment.
func TestSupervisionBlocksApply(t *testing.T) {
	counter := t.TempDir() + "/starts"
	h, ev := startSupervised(t, `
deployment "t" {}
plugin "tp" {
  command = "TESTPLUGIN"
  allow_unpinned = true
  args    = ["serve-once"]
  env     = { START_COUNTER_FILE = "`+counter+`" }
  restart {
    attempts  = 1
    delay     = "1ms"
    max_delay = "2ms"
  }
  call { timeout = "100ms" }
}
`, nil)
	ctx := context.Background()
	// call { timeout } bounds a call that has no deadline of its own.
	_, err := h.Invoke(ctx, call("test.sleep", map[string]effects.Value{"ms": effects.Int(60_000)}))
	if err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("call past the plugin's call timeout: got %v", err)
	}
	from := ev.len()
	_, _ = h.Invoke(ctx, call("test.crash", nil))
	failed, _ := ev.wait(t, from, 20*time.Second, "failed", to("tp", supervise.StateFailed))
	if !strings.Contains(failed.Reason, "restarted 1 times") {
		t.Fatalf("failed after %q, want the HCL's attempts = 1", failed.Reason)
	}
}

func TestLazyPluginStartsOnFirstCall(t *testing.T) {
	h, ev := startSupervised(t, `
deployment "t" {}
plugin "tp" {
  command = "TESTPLUGIN"
  allow_unpinned = true
  start   = "lazy"
}
`, nil)
	if st := h.Plugins()[0]; st.State != supervise.StateIdle || st.PID != 0 {
		t.Fatalf("lazy plugin before any call: %+v, want idle with no process", st)
	}
	if got := invoke(t, h, "test.greeting", nil); got.String() != `"hello"` {
		t.Fatalf("first call: %v", got)
	}
	ev.wait(t, 0, 10*time.Second, "ready", to("tp", supervise.StateReady))
	if st := h.Plugins()[0]; st.State != supervise.StateReady || st.PID == 0 {
		t.Fatalf("lazy plugin after its first call: %+v", st)
	}
}

func TestModeSwapMustServeTheSameOperations(t *testing.T) {
	dep := deployment(t, `
deployment "t" {
  mode = "simulation"
}
plugin "crypto" { builtin = "crypto" }
simulation {
  plugin "crypto" { command = "TESTPLUGIN" }
}
`)
	err := newHost(t, dep).Start(context.Background())
	var de *host.DiagnosticsError
	if !errors.As(err, &de) {
		t.Fatalf("got %v, want configuration diagnostics", err)
	}
	d := de.Diagnostics[0]
	if d.Summary != "Swapped plugin serves fewer operations" || !strings.Contains(d.Detail, "crypto.ed25519_sign") || d.Subject.Start.Line != 7 {
		t.Fatalf("diagnostic: %s at %v: %s", d.Summary, d.Subject, d.Detail)
	}
}
