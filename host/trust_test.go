package host_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/internal/hosttest"
)

// Attack 6 of issue 11, end to end: `validate` (Host.Check) on a deployment
// that pins binary A, 200 times, while another goroutine swaps the path
// between A and B by link and rename. B never runs: each run either runs A
// or is refused with a *ChecksumError.
func TestValidateNeverRunsASwappedBinary(t *testing.T) {
	dir := t.TempDir()
	ranB := filepath.Join(dir, "ran-b")
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for path, src := range map[string]string{a: "#!/bin/sh\n", b: "#!/bin/sh\n: > " + ranB + "\n"} {
		if err := os.WriteFile(path, []byte(src), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "plugin")
	if err := os.Link(a, bin); err != nil {
		t.Fatal(err)
	}
	dep := deployment(t, fmt.Sprintf("deployment \"t\" {}\nplugin \"pinned\" {\n  command = %q\n  sha256  = %q\n}\n", bin, sha256Hex(t, a)))

	defer hosttest.SwapUntilStopped(t, bin, a, b)()

	refused := 0
	for i := range 200 {
		h, err := host.New(host.Config{Deployment: dep, Executable: auraHost, Logger: quietLogger(t), StopTimeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = h.Check(ctx)
		cancel()
		var ce *host.ChecksumError
		if errors.As(err, &ce) {
			refused++
		}
		if _, err := os.Stat(ranB); err == nil {
			t.Fatalf("run %d: validate executed the swapped-in binary B", i)
		}
	}
	t.Logf("%d of 200 runs refused with a checksum mismatch, the others ran A", refused)
}

// Attack 7 of issue 11, host side: a state directory another user owns,
// or that others can write, is refused before any plugin starts — by run
// (Start) and by validate (Check) — with an *UnsafePathError saying how to
// fix it.
func TestHostRefusesAStateDirAnotherUserControls(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to make files owned by another user")
	}
	for _, owner := range []int{0, 65534} {
		state := filepath.Join(t.TempDir(), "state")
		if err := os.Mkdir(state, 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(state, 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(state, owner, owner); err != nil {
			t.Fatal(err)
		}
		dep := deployment(t, fmt.Sprintf("deployment \"t\" {\n  state_dir = %q\n}\nplugin \"crypto\" { builtin = \"crypto\" }\n", state))
		for _, run := range []struct {
			name string
			do   func(*host.Host, context.Context) error
		}{{"Start", (*host.Host).Start}, {"Check", (*host.Host).Check}} {
			h := newHost(t, dep)
			err := run.do(h, context.Background())
			var unsafe *host.UnsafePathError
			if !errors.As(err, &unsafe) {
				t.Fatalf("owner %d, %s: %v, want an *UnsafePathError", owner, run.name, err)
			}
			for _, p := range h.Plugins() {
				if p.PID != 0 {
					t.Errorf("owner %d, %s: plugin %s started (pid %d)", owner, run.name, p.Name, p.PID)
				}
			}
			shutdownHost(t, h)
		}
		if entries, _ := os.ReadDir(state); len(entries) != 0 {
			t.Errorf("owner %d: %d files written to the refused state directory", owner, len(entries))
		}
	}
}
