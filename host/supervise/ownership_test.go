package supervise

import (
	"errors"
	"io/fs"
	"os"
	"testing"
)

const nobody = 65534 // the other user of attack 7

// Attack 7, socket directory: another user creates the per-user socket
// root first (or it is open to others). The host refuses it instead of
// putting its plugins' sockets there.
func TestSocketRootAnotherUserControlsIsRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to make files owned by another user")
	}
	for _, tt := range []struct {
		name  string
		mode  fs.FileMode
		owner int
	}{
		{"owned by another user", 0o700, nobody},
		{"open to others", 0o777, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TMPDIR", t.TempDir())
			root := SocketRoot()
			if err := os.Mkdir(root, tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(root, tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Lchown(root, tt.owner, tt.owner); err != nil {
				t.Fatal(err)
			}
			dir, err := makeSocketDir()
			var u *UnsafePathError
			if !errors.As(err, &u) {
				t.Fatalf("makeSocketDir: %q, %v; want an *UnsafePathError", dir, err)
			}
			if entries, _ := os.ReadDir(root); len(entries) != 0 {
				t.Errorf("the refused socket root got %d entries", len(entries))
			}
		})
	}
}
