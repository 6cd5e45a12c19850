package owned

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The checks validate and run share, before anything is created: what
// each path must be, and the error that says why not.
func TestCheckDirAndCheckFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "proc-link")
	if err := os.Symlink("/proc/self", link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		check      func(string, string) error
		problem    string // "" when accepted
	}{
		{"dir: an existing directory", dir, CheckDir, ""},
		{"dir: a path to create", filepath.Join(dir, "a", "b"), CheckDir, ""},
		{"dir: a regular file", file, CheckDir, "is a regular file, not a directory"},
		{"dir: under a regular file", filepath.Join(file, "sub"), CheckDir, "cannot be created: " + file + " is a regular file"},
		{"dir: under /proc", "/proc/self/aura", CheckDir, "lies under /proc"},
		{"dir: /sys", "/sys", CheckDir, "lies under /sys"},
		{"dir: through a link to /proc", filepath.Join(link, "x"), CheckDir, "lies under /proc"},
		{"file: a path to create", filepath.Join(dir, "new", "x.db"), CheckFile, ""},
		{"file: an existing file", file, CheckFile, ""},
		{"file: a directory", dir, CheckFile, "is a directory; it must name the file itself"},
		{"file: a device", "/dev/null", CheckFile, "lies under /dev"},
		{"dir: the memory filesystem", "/dev/shm/aura-test-never-made", CheckDir, ""},
		{"dir: next to the memory filesystem", "/dev/shmx/aura", CheckDir, "lies under /dev"},
		{"file: under /proc", "/proc/self/environ", CheckFile, "lies under /proc"},
		{"file: under a regular file", filepath.Join(file, "x.db"), CheckFile, "cannot be created"},
	} {
		err := tc.check(tc.path, "thing")
		var bad *BadPathError
		switch {
		case tc.problem == "" && err != nil:
			t.Errorf("%s: %v, want it accepted", tc.name, err)
		case tc.problem != "" && (!errors.As(err, &bad) || !strings.Contains(bad.Problem, tc.problem) || bad.Fix == ""):
			t.Errorf("%s: %v, want a *BadPathError saying %q and how to fix it", tc.name, err, tc.problem)
		}
	}
}
