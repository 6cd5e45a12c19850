package host_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/host"
)

// Each way a plugin can fail to start gives a *LaunchError that names the
// plugin and says what to do, and Start returns instead of hanging.
func TestLaunchFailuresAreClearAndBounded(t *testing.T) {
	notExecutable := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(notExecutable, []byte("#!/bin/sh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		plugin     string
		wantReason string
		wantHint   string
		checksum   bool
	}{
		{
			name:       "wrong sha256",
			plugin:     `command = "TESTPLUGIN"` + "\n" + `sha256 = "` + strings.Repeat("ab", 32) + `"`,
			wantReason: "checksum mismatch, refusing to run the binary",
			wantHint:   "set sha256 = ",
			checksum:   true,
		},
		{
			name:       "missing binary",
			plugin:     `command = "./bin/no-such-plugin"` + "\nallow_unpinned = true",
			wantReason: "plugin binary not found",
			wantHint:   "build the plugin to",
		},
		{
			name:       "not executable",
			plugin:     `command = "` + notExecutable + `"` + "\nallow_unpinned = true",
			wantReason: "is not executable",
			wantHint:   "chmod +x",
		},
		{
			name:       "not a plugin",
			plugin:     `command = "TESTPLUGIN"` + "\n" + `args = ["not-a-plugin"]` + "\nallow_unpinned = true",
			wantReason: "is not an Aura Host plugin",
			wantHint:   "sdk.Serve",
		},
		{
			name:       "another protocol version",
			plugin:     `command = "TESTPLUGIN"` + "\n" + `args = ["wrong-version"]` + "\nallow_unpinned = true",
			wantReason: "plugin speaks another protocol version",
			wantHint:   "rebuild the plugin",
		},
		{
			name:       "declares a data plane that never opens",
			plugin:     `command = "TESTPLUGIN"` + "\n" + `args = ["refuse-host"]` + "\nallow_unpinned = true",
			wantReason: "cannot open the data plane it declared",
			wantHint:   "sdk.WithoutDataPlane()",
		},
		{
			name:       "exits during start-up",
			plugin:     `command = "TESTPLUGIN"` + "\n" + `args = ["exit-on-start"]` + "\nallow_unpinned = true",
			wantReason: "plugin exited during start-up",
			wantHint:   "log lines just above",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dep := deployment(t, "deployment \"t\" {}\nplugin \"victim\" {\n"+tt.plugin+"\n}\n")
			h := newHost(t, dep)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := h.Start(ctx)
			var le *host.LaunchError
			if !errors.As(err, &le) {
				t.Fatalf("Start: got %v (%T), want a *host.LaunchError", err, err)
			}
			if le.Plugin != "victim" || !strings.Contains(le.Reason, tt.wantReason) || !strings.Contains(le.Hint, tt.wantHint) {
				t.Fatalf("got plugin %q reason %q hint %q; want victim, %q, a hint containing %q", le.Plugin, le.Reason, le.Hint, tt.wantReason, tt.wantHint)
			}
			if ctx.Err() != nil {
				t.Fatal("Start returned only when the test's deadline passed")
			}
			var ce *host.ChecksumError
			if tt.checksum != errors.As(err, &ce) {
				t.Fatalf("ChecksumError in chain = %v, want %v", !tt.checksum, tt.checksum)
			}
			for _, p := range h.Plugins() {
				if p.PID != 0 {
					t.Errorf("plugin %s still has a process (%d) after a failed start", p.Name, p.PID)
				}
			}
		})
	}
}

// A pinned sha256 that matches lets the plugin run.
func TestLaunchWithMatchingChecksum(t *testing.T) {
	dep := deployment(t, `
deployment "t" {}
plugin "tp" {
  command = "TESTPLUGIN"
  sha256  = "`+sha256Hex(t, testPlugin)+`"
}
`)
	h := startHost(t, dep)
	if got := invoke(t, h, "test.greeting", nil); got.String() != `"hello"` {
		t.Fatalf("greeting = %v", got)
	}
}

// A plugin cannot crash the host through what it writes to stderr.
func TestHostilePluginStderrIsHarmless(t *testing.T) {
	h := startHost(t, deployment(t, `
deployment "t" {}
plugin "tp" {
  command = "TESTPLUGIN"
  allow_unpinned = true
  args    = ["evil-stderr"]
}
`))
	invoke(t, h, "test.greeting", nil)
}
