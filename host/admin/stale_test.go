package admin_test

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/host/admin"
)

// A host that was killed leaves its admin socket and address file behind.
// Find says no host runs (not a raw dial error), and removes them.
func TestFindRemovesAKilledHostsAdminFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "admin.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ul := ln.(*net.UnixListener)
	ul.SetUnlinkOnClose(false) // as if killed: nobody removes the socket
	if err := os.Chmod(sock, 0o600); err != nil {
		t.Fatal(err)
	}
	ul.Close()
	pointer := filepath.Join(dir, admin.AddrFile)
	if err := os.WriteFile(pointer, []byte(sock+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = admin.Find(dir)
	if err == nil || !strings.Contains(err.Error(), "is gone") || !strings.Contains(err.Error(), "aura-host run") {
		t.Fatalf("Find: %v, want that no host runs and what to do", err)
	}
	for _, p := range []string{sock, pointer} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there (%v)", p, err)
		}
	}
	if _, err := admin.Find(dir); err == nil || !strings.Contains(err.Error(), "no running host found") {
		t.Fatalf("second Find: %v", err)
	}
}
