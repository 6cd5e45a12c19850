//go:build unix

package config

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// within runs f in a goroutine and fails the test if it has not returned
// by the deadline: a read that blocks is the failure being tested for.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("still blocked after %v", d)
	}
}

// TestFIFOIsRefusedAtOnce: a named pipe with no writer used to block
// Load forever.
func TestFIFOIsRefusedAtOnce(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "deployment.hcl")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	var err error
	var diags hcl.Diagnostics
	within(t, 10*time.Second, func() {
		_, err = ReadSource(path, 0)
		_, diags = Load(path, Options{})
	})
	if !errors.Is(err, ErrNotRegularFile) || !strings.Contains(err.Error(), "is a named pipe (FIFO), not a regular file") {
		t.Errorf("ReadSource = %v", err)
	}
	if len(diags) != 1 || diags[0].Summary != "Deployment path is not a file" {
		t.Errorf("Load: %v", diags)
	}
}

// TestDeviceIsRefusedWithoutReading: /dev/zero would feed the reader
// forever; it is refused from its mode.
func TestDeviceIsRefusedWithoutReading(t *testing.T) {
	t.Parallel()
	var err error
	within(t, 10*time.Second, func() { _, err = ReadSource("/dev/zero", 0) })
	if !errors.Is(err, ErrNotRegularFile) || !strings.Contains(err.Error(), "is a character device") {
		t.Errorf("ReadSource = %v", err)
	}
}
