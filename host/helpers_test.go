package host_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/internal/hosttest"
)

// deployment writes src as deployment.hcl in a fresh directory and loads
// it. "TESTPLUGIN" in src is replaced by the test plugin's path.
func deployment(t *testing.T, src string) *config.Deployment { return deploymentB(t, src) }

func deploymentB(t testing.TB, src string) *config.Deployment {
	t.Helper()
	return hosttest.Deployment(t, src, "TESTPLUGIN", testPlugin)
}

// newHost prepares a host whose log goes to the test log.
func newHost(t *testing.T, dep *config.Deployment) *host.Host {
	t.Helper()
	h, err := host.New(host.Config{Deployment: dep, Executable: auraHost, Logger: testLogger(t),
		StopTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// startHost starts a host and shuts it down when the test ends.
func startHost(t *testing.T, dep *config.Deployment) *host.Host {
	t.Helper()
	h := newHost(t, dep)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.Start(ctx); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { shutdownHost(t, h) })
	return h
}

func shutdownHost(t *testing.T, h *host.Host) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

func testLogger(t *testing.T) hclog.Logger { return hosttest.Logger(t) }

func call(op string, args map[string]effects.Value) *effects.Call {
	return &effects.Call{Op: effects.MustOpID(op), Args: effects.Map(args)}
}

func invoke(t *testing.T, h *host.Host, op string, args map[string]effects.Value) effects.Value {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := h.Invoke(ctx, call(op, args))
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return v
}

// processGone reports whether pid no longer runs (exited and reaped, or a
// zombie nobody has reaped yet).
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	state, ok := procState(fmt.Sprintf("/proc/%d/stat", pid))
	return !ok || state == 'Z'
}

// procState reads the state letter from a /proc stat file (R, S, T, Z, ...).
func procState(path string) (byte, bool) {
	stat, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	// The state follows the parenthesised command name.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return 0, false
	}
	return s[i+2], true
}

// waitStopped waits until every thread of pid has stopped (SIGSTOP takes
// effect on each thread as it next runs, after kill has returned), or
// fails after limit.
func waitStopped(t *testing.T, pid int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !allThreadsStopped(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d not stopped %v after SIGSTOP", pid, limit)
		}
		time.Sleep(time.Millisecond) // polling the kernel; nothing to wait on
	}
}

func allThreadsStopped(pid int) bool {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil || len(tasks) == 0 {
		return false
	}
	for _, task := range tasks {
		if state, ok := procState(task); !ok || (state != 'T' && state != 't') {
			return false
		}
	}
	return true
}

// waitGone waits until every pid is gone, or fails after limit.
func waitGone(t *testing.T, pids []int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for _, pid := range pids {
		for !processGone(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d still running %v later", pid, limit)
			}
			time.Sleep(10 * time.Millisecond) // polling the kernel; nothing to wait on
		}
	}
}

func sha256Hex(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// quietLogger logs only errors to the test log (for tests whose
// info-level log would be thousands of lines).
func quietLogger(t *testing.T) hclog.Logger { return hosttest.QuietLogger(t) }
