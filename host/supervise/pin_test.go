package supervise

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/internal/hosttest"
)

// Attack 6 of issue 11: the path of a pinned plugin is swapped, by link and
// rename as fast as the machine allows, between the pinned binary A and
// another binary B while the host launches the plugin 200 times. The host
// must never run B: each launch either runs A (the bytes it hashed) or
// refuses with a checksum mismatch. Before the pin hashed and executed the
// same bytes, B ran in most of these runs.
func TestPinnedBinarySwapNeverRunsTheOther(t *testing.T) {
	dir := t.TempDir()
	ranA, ranB := filepath.Join(dir, "ran-a"), filepath.Join(dir, "ran-b")
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	writeScript(t, a, "#!/bin/sh\n: > "+ranA+"\n")
	writeScript(t, b, "#!/bin/sh\n: > "+ranB+"\n")
	pin := sha256.Sum256(mustRead(t, a))
	path := filepath.Join(dir, "plugin")
	if err := os.Link(a, path); err != nil {
		t.Fatal(err)
	}

	defer hosttest.SwapUntilStopped(t, path, a, b)()

	spec := launchSpec{
		plugin:       &config.Plugin{Name: "pinned", Command: path, SHA256: pin[:]},
		socketDir:    t.TempDir(),
		startTimeout: 5 * time.Second,
		mode:         effects.Production,
		logger:       hclog.NewNullLogger(),
	}
	var ran, refused int
	for range 200 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := launch(ctx, spec)
		cancel()
		var ce *ChecksumError
		switch {
		case errors.As(err, &ce):
			refused++
		case err != nil && strings.Contains(err.Error(), "exited during start-up"):
			ran++ // A is a script, not a plugin: it ran and exited
		default:
			t.Fatalf("launch: %v", err)
		}
		if _, err := os.Stat(ranB); err == nil {
			t.Fatalf("the unpinned binary B ran (after %d runs of A and %d refusals)", ran, refused)
		}
	}
	t.Logf("A ran %d times, %d launches refused with a checksum mismatch", ran, refused)
	if _, err := os.Stat(ranA); err != nil || ran == 0 {
		t.Fatalf("the pinned binary never ran (%d runs): the test proves nothing", ran)
	}
	if entries, _ := os.ReadDir(filepath.Join(spec.socketDir, "bin")); len(entries) != 0 {
		t.Errorf("%d private copies left behind", len(entries))
	}
}

// A launch refused by its pin executes nothing and leaves no copy.
func TestChecksumMismatchRunsNothing(t *testing.T) {
	dir := t.TempDir()
	ran := filepath.Join(dir, "ran")
	bin := filepath.Join(dir, "plugin")
	writeScript(t, bin, "#!/bin/sh\n: > "+ran+"\n")
	wrong := sha256.Sum256([]byte("something else"))
	spec := launchSpec{plugin: &config.Plugin{Name: "p", Command: bin, SHA256: wrong[:]}, socketDir: t.TempDir(),
		startTimeout: 5 * time.Second, mode: effects.Production, logger: hclog.NewNullLogger()}
	_, err := launch(context.Background(), spec)
	var ce *ChecksumError
	if !errors.As(err, &ce) {
		t.Fatalf("launch: %v, want a *ChecksumError", err)
	}
	if _, err := os.Stat(ran); err == nil {
		t.Fatal("the binary ran")
	}
	if entries, _ := os.ReadDir(filepath.Join(spec.socketDir, "bin")); len(entries) != 0 {
		t.Errorf("%d private copies left behind", len(entries))
	}
}

// A FIFO put where the binary was cannot block start-up: it is refused as
// not a regular file.
func TestBinaryThatIsAFIFOIsRefusedAtOnce(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "plugin")
	if err := mkfifo(fifo); err != nil {
		t.Skip("mkfifo:", err)
	}
	sum := sha256.Sum256(nil)
	for _, pin := range [][]byte{sum[:], nil} {
		p := &config.Plugin{Name: "p", Command: fifo, SHA256: pin, AllowUnpinned: pin == nil}
		_, _, err := command(launchSpec{plugin: p, socketDir: t.TempDir(), mode: effects.Production})
		var le *LaunchError
		if !errors.As(err, &le) || !strings.Contains(le.Reason, "not a regular file") {
			t.Fatalf("pin %x: got %v, want a *LaunchError saying it is not a regular file", pin, err)
		}
	}
}

// In production an unpinned command plugin is refused unless its block
// allows it, also when the deployment was switched to production after
// it was loaded; other modes run it.
func TestUnpinnedCommandRefusedInProduction(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "plugin")
	writeScript(t, bin, "#!/bin/sh\n")
	for _, tt := range []struct {
		mode    effects.Mode
		allow   bool
		refused bool
	}{
		{effects.Production, false, true},
		{effects.Production, true, false},
		{effects.Testing, false, false},
		{effects.Simulation, false, false},
	} {
		p := &config.Plugin{Name: "p", Command: bin, AllowUnpinned: tt.allow}
		_, cleanup, err := command(launchSpec{plugin: p, mode: tt.mode})
		if cleanup != nil {
			cleanup()
		}
		if got := errors.Is(err, ErrUnpinned); got != tt.refused {
			t.Errorf("%s, allow_unpinned=%v: err %v, want refused=%v", tt.mode, tt.allow, err, tt.refused)
		}
		var le *LaunchError
		if tt.refused && (!errors.As(err, &le) || !strings.Contains(le.Hint, "sha256 = ") || !strings.Contains(le.Hint, "allow_unpinned = true")) {
			t.Errorf("refusal does not say how to fix it: %v", err)
		}
	}
}

func writeScript(t *testing.T, path, src string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(src), 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mkfifo(path string) error { return syscall.Mkfifo(path, 0o600) }

// A pinned plugin runs from a private copy, but what the operator reads
// (errors, argv[0]) names the command as configured.
func TestPinnedCopyIsNamedAsConfigured(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "plugin")
	writeScript(t, bin, "#!/bin/sh\necho \"argv0=$0\"\nsleep 5\n")
	sum := sha256.Sum256(mustRead(t, bin))
	spec := launchSpec{plugin: &config.Plugin{Name: "p", Command: bin, SHA256: sum[:]}, socketDir: t.TempDir(),
		startTimeout: 5 * time.Second, mode: effects.Production, logger: hclog.NewNullLogger()}
	cmd, cleanup, err := command(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	if cmd.Args[0] != bin || cmd.Path == bin || !strings.HasPrefix(cmd.Path, spec.socketDir) {
		t.Fatalf("path %q args %q: want the private copy run as %q", cmd.Path, cmd.Args, bin)
	}
	_, err = launch(context.Background(), spec)
	var le *LaunchError
	if !errors.As(err, &le) || !strings.Contains(le.Reason, bin+" is not an Aura Host plugin") {
		t.Fatalf("got %v, want a *LaunchError naming %s", err, bin)
	}
}
