package admin_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/host/admin"
)

// nobody is the uid the attacker runs as in these tests (they chown, so
// they need root; elsewhere they are skipped).
const nobody = 65534

func needRoot(t *testing.T) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("needs root to make files owned by another user")
	}
}

// attacker listens on a unix socket of its own, as the other user of
// attack 7 did, and reports whether anyone connected.
type attacker struct {
	ln   *net.UnixListener
	path string
}

func newAttacker(t *testing.T, dir string) *attacker {
	t.Helper()
	path := filepath.Join(dir, "evil.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &attacker{ln: ln, path: path}
}

// connected reports whether a client connected. A connect on a unix
// socket completes into the backlog at once, so a client that returned
// has connected already if it ever will.
func (a *attacker) connected(t *testing.T) bool {
	t.Helper()
	_ = a.ln.SetDeadline(time.Now().Add(50 * time.Millisecond))
	c, err := a.ln.Accept()
	if err == nil {
		c.Close()
		return true
	}
	return false
}

// shortDir is a fresh directory with a short path (unix socket paths are
// limited), mode 0700, removed when the test ends.
func shortDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "own")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func chown(t *testing.T, path string, uid int) {
	t.Helper()
	if err := os.Lchown(path, uid, uid); err != nil {
		t.Fatal(err)
	}
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// Attack 7 of issue 11: another user controls the state directory (or a
// file in it, or the socket it names) and points admin.addr at their own
// socket. Every variant is refused with an *UnsafePathError that says how
// to fix it, and the attacker's socket receives no connection — from Find,
// nor from Dial used directly on it (status, reset and invoke all go
// through both).
func TestAdminClientRefusesStateAnotherUserControls(t *testing.T) {
	needRoot(t)
	for _, tt := range []struct {
		name string
		// arrange makes the state directory unsafe; it gets the state
		// directory, the attacker's socket and its directory.
		arrange func(t *testing.T, state string, a *attacker)
		wantFix string
	}{
		{"state dir owned by another user, mode 0777", func(t *testing.T, state string, a *attacker) {
			chmod(t, state, 0o777)
			chown(t, state, nobody)
		}, "chown 0 "},
		{"state dir of ours, writable by others", func(t *testing.T, state string, a *attacker) {
			chmod(t, state, 0o777)
		}, "chmod 700 "},
		{"address file owned by another user", func(t *testing.T, state string, a *attacker) {
			chown(t, filepath.Join(state, admin.AddrFile), nobody)
		}, "chown 0 "},
		{"address file writable by others", func(t *testing.T, state string, a *attacker) {
			chmod(t, filepath.Join(state, admin.AddrFile), 0o666)
		}, "chmod go-w "},
		{"address file is a link", func(t *testing.T, state string, a *attacker) {
			other := filepath.Join(state, "elsewhere")
			if err := os.WriteFile(other, []byte(a.path+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			_ = os.Remove(filepath.Join(state, admin.AddrFile))
			if err := os.Symlink(other, filepath.Join(state, admin.AddrFile)); err != nil {
				t.Fatal(err)
			}
		}, "remove "},
		{"socket owned by another user", func(t *testing.T, state string, a *attacker) {
			chown(t, a.path, nobody)
		}, "chown 0 "},
		{"socket in a directory others can write", func(t *testing.T, state string, a *attacker) {
			chmod(t, filepath.Dir(a.path), 0o777)
		}, "chmod 700 "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			state := shortDir(t)
			a := newAttacker(t, shortDir(t))
			chmod(t, a.path, 0o600)
			if err := os.WriteFile(filepath.Join(state, admin.AddrFile), []byte(a.path+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			tt.arrange(t, state, a)

			sock, err := admin.Find(state)
			var unsafe *admin.UnsafePathError
			if !errors.As(err, &unsafe) {
				t.Fatalf("Find: got %q, %v; want an *UnsafePathError", sock, err)
			}
			if !strings.Contains(unsafe.Fix, tt.wantFix) || !strings.Contains(err.Error(), "Fix: ") {
				t.Errorf("error %q does not give the fix %q", err, tt.wantFix)
			}
			// A client given the attacker's socket directly (a stale or
			// forged path) refuses to connect too, unless only the
			// address file was the problem.
			if !strings.Contains(tt.name, "address file") && !strings.Contains(tt.name, "state dir") {
				_, err = admin.Dial(a.path).Status(context.Background())
				if !errors.As(err, &unsafe) {
					t.Fatalf("Dial(...).Status: %v, want an *UnsafePathError", err)
				}
			}
			if a.connected(t) {
				t.Fatal("the attacker's socket received a connection")
			}
		})
	}
}

// The check is not in the way of a host's own state: a socket of ours in a
// private directory, named by an address file of ours, is used (and the
// attacker test above would pass vacuously if it were not).
func TestAdminClientUsesStateItOwns(t *testing.T) {
	state := shortDir(t)
	a := newAttacker(t, shortDir(t)) // "attacker" here is a listener of ours
	chmod(t, a.path, 0o600)
	if err := os.WriteFile(filepath.Join(state, admin.AddrFile), []byte(a.path+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sock, err := admin.Find(state)
	if err != nil || sock != a.path {
		t.Fatalf("Find: %q, %v", sock, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, _ = admin.Dial(sock).Status(ctx) // nobody answers; it must have connected
	if !a.connected(t) {
		t.Fatal("the client did not connect to a socket it owns")
	}
}

// The server refuses to start in a state directory another user owns or
// can write, and writes nothing there.
func TestAdminServerRefusesUnsafeStateDir(t *testing.T) {
	needRoot(t)
	for _, owner := range []int{0, nobody} {
		state := shortDir(t)
		chmod(t, state, 0o777)
		chown(t, state, owner)
		_, err := admin.Serve(admin.Config{StateDir: state, SocketDir: shortDir(t), Target: &fakeHost{}})
		var unsafe *admin.UnsafePathError
		if !errors.As(err, &unsafe) {
			t.Fatalf("owner %d: Serve: %v, want an *UnsafePathError", owner, err)
		}
		if entries, _ := os.ReadDir(state); len(entries) != 0 {
			t.Errorf("owner %d: the refused server left %d files in the state directory", owner, len(entries))
		}
	}
}
