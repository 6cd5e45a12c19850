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
	dead := filepath.Join(root, "999999999.123") // beyond any pid_max: no such process
	alive := filepath.Join(root, "1.456")        // init
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

// Several managers run in one process (one per agent, one per simulation of
// a seed sweep). Each has its own socket directory, so one shutting down
// cannot pull the directory from under another that is still launching.
func TestSocketDirsOfOneProcessAreSeparate(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	first, err := makeSocketDir()
	if err != nil {
		t.Fatal(err)
	}
	second, err := makeSocketDir()
	if err != nil {
		t.Fatal(err)
	}
	if first == second {
		t.Fatalf("two managers share the socket directory %s", first)
	}
	if err := os.RemoveAll(first); err != nil { // what the first one's shutdown does
		t.Fatal(err)
	}
	if _, err := os.Stat(second); err != nil {
		t.Fatalf("the second manager lost its socket directory: %v", err)
	}
}
