package supervise

import (
	"os"
	"path/filepath"
	"testing"
)

// The start-up sweep removes the socket directories of hosts that are gone
// and keeps those of hosts that run.
func TestSweepStaleSocketDirs(t *testing.T) {
	root := t.TempDir()
	dead := filepath.Join(root, "999999999") // beyond any pid_max: no such process
	alive := filepath.Join(root, "1")        // init
	other := filepath.Join(root, "not-a-pid")
	for _, d := range []string{dead, alive, other} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	sweepStaleSocketDirs(root)
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("a dead host's directory was kept: %v", err)
	}
	for _, d := range []string{alive, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s was removed: %v", d, err)
		}
	}
}
