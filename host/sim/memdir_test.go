package sim

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// A memory directory is chosen only where files can be made and enough
// space is free: a nearly full /dev/shm, a missing one or a file is not.
func TestUsableMemoryDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		dir     string
		minFree uint64
		want    bool
	}{
		{"writable, space enough", dir, 0, runtime.GOOS == "linux"},
		{"writable, too little space", dir, 1 << 62, false},
		{"missing", filepath.Join(dir, "missing"), 0, false},
		{"a file", file, 0, false},
	} {
		if got := usableMemoryDir(c.dir, c.minFree); got != c.want {
			t.Errorf("%s: usableMemoryDir = %v, want %v", c.name, got, c.want)
		}
	}
}
