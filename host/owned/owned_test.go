package owned

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const nobody = 65534 // the other user of attack 7

// The ownership rule, path by path: owned by the running user and not
// writable by group or others; ancestors owned by us or root and not
// writable unless sticky. (As root, to make files another user owns.)
func TestOwnershipRule(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to make files owned by another user")
	}
	for _, tt := range []struct {
		name    string
		arrange func(t *testing.T, base, dir string) // dir is base/state
		unsafe  bool
		fix     string
	}{
		{"private directory of ours", func(*testing.T, string, string) {}, false, ""},
		{"0755 directory of ours", func(t *testing.T, _, dir string) { mustChmod(t, dir, 0o755) }, false, ""},
		{"group-writable", func(t *testing.T, _, dir string) { mustChmod(t, dir, 0o770) }, true, "chmod 700 "},
		{"owned by another user", func(t *testing.T, _, dir string) { mustChown(t, dir, nobody) }, true, "chown 0 "},
		{"parent writable by others", func(t *testing.T, base, _ string) { mustChmod(t, base, 0o777) }, true, "chmod go-w "},
		{"parent sticky and writable by others", func(t *testing.T, base, _ string) { mustChmod(t, base, 0o777|fs.ModeSticky) }, false, ""},
		{"parent owned by another user", func(t *testing.T, base, _ string) { mustChown(t, base, nobody) }, true, "chown 0 "},
		{"a link to a directory of ours", func(t *testing.T, base, dir string) {
			real := filepath.Join(base, "real")
			if err := os.Mkdir(real, 0o700); err != nil {
				t.Fatal(err)
			}
			mustRemove(t, dir)
			if err := os.Symlink(real, dir); err != nil {
				t.Fatal(err)
			}
		}, false, ""},
		{"a link to a directory of another user", func(t *testing.T, base, dir string) {
			real := filepath.Join(base, "real")
			if err := os.Mkdir(real, 0o700); err != nil {
				t.Fatal(err)
			}
			mustChown(t, real, nobody)
			mustRemove(t, dir)
			if err := os.Symlink(real, dir); err != nil {
				t.Fatal(err)
			}
		}, true, "chown 0 "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base := filepath.Join(t.TempDir(), "base")
			dir := filepath.Join(base, "state")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(base, 0o700); err != nil {
				t.Fatal(err)
			}
			tt.arrange(t, base, dir)
			err := Dir(dir, "state directory")
			var u *UnsafePathError
			if tt.unsafe != errors.As(err, &u) {
				t.Fatalf("Dir: %v, want unsafe=%v", err, tt.unsafe)
			}
			if !tt.unsafe && err != nil {
				t.Fatalf("Dir: %v", err)
			}
			if tt.unsafe && (!strings.Contains(u.Fix, tt.fix) || !strings.Contains(err.Error(), "state directory")) {
				t.Fatalf("error %q: want the fix %q and the role", err, tt.fix)
			}
		})
	}
}

func mustChmod(t *testing.T, path string, mode fs.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func mustChown(t *testing.T, path string, uid int) {
	t.Helper()
	if err := os.Lchown(path, uid, uid); err != nil {
		t.Fatal(err)
	}
}

func mustRemove(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}
