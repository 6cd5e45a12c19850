package host_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/admin"
	"github.com/aurahost/aura-host/host/supervise"
	"github.com/aurahost/aura-host/sdk"
)

// An operator resets a failed plugin through the admin endpoint, as
// `aura-host reset` does, once the cause is fixed; status shows it.
func TestOperatorResetsAFailedPlugin(t *testing.T) {
	counter := filepath.Join(t.TempDir(), "starts")
	ev := newEvents()
	h, err := host.New(host.Config{Deployment: deployment(t, `
deployment "t" {}
plugin "tp" {
  command = "TESTPLUGIN"
  allow_unpinned = true
  args    = ["serve-once"]
  env     = { START_COUNTER_FILE = "`+counter+`" }
}
`), Executable: auraHost, Logger: quietLogger(t), Admin: true, OnEvent: ev.record,
		Policies: map[string]host.Policy{"tp": fastRestarts}})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shutdownHost(t, h) })
	from := ev.len()
	_, _ = h.Invoke(context.Background(), call("test.crash", nil))
	ev.wait(t, from, 20*time.Second, "failed", to("tp", supervise.StateFailed))

	sock, err := admin.Find(h.StateDir())
	if err != nil {
		t.Fatal(err)
	}
	client := admin.Dial(sock)
	st, err := client.Status(context.Background())
	if err != nil || st.Plugins[0].State != supervise.StateFailed || st.Plugins[0].LastExit == "" {
		t.Fatalf("status of a failed plugin: %+v, %v", st, err)
	}
	// The cause is fixed (the corrupt state removed); the operator resets.
	if err := os.Remove(counter); err != nil {
		t.Fatal(err)
	}
	if err := client.Reset(context.Background(), "tp"); err != nil {
		t.Fatal(err)
	}
	if got := invoke(t, h, "test.greeting", nil); got.String() != `"hello"` {
		t.Fatalf("after reset: %v", got)
	}
	if err := client.Reset(context.Background(), "tp"); err == nil || !strings.Contains(err.Error(), "not failed") {
		t.Fatalf("resetting a ready plugin: %v", err)
	}
}

// A plugin whose parent dies exits by itself (the SDK's watchdog), even
// without the kernel's parent-death signal: here its parent is a shell
// that exits at once, and nothing else would stop it.
func TestPluginExitsWhenItsParentIsGone(t *testing.T) {
	cmd := exec.Command("sh", "-c", `AURA_HOST_PID=$$ "$0" serve >/dev/null 2>&1 & echo $!`, testPlugin)
	cmd.Env = append(os.Environ(), sdk.Handshake.MagicCookieKey+"="+sdk.Handshake.MagicCookieValue,
		"PLUGIN_PROTOCOL_VERSIONS=1", "PLUGIN_MIN_PORT=0", "PLUGIN_MAX_PORT=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("plugin pid %q: %v", out, err)
	}
	waitGone(t, []int{pid}, 10*time.Second)
}
