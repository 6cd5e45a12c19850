package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestWrite: a complete write replaces the file; a failed one leaves the
// old content and no temporary file behind.
func TestWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "out.jsonl")
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "first\n"); return err }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error { io.WriteString(w, "half"); return boom })
	if !errors.Is(err, boom) || err.Error() != "write "+path+": boom" {
		t.Errorf("failed write: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "first\n" {
		t.Errorf("after a failed write the file holds %q, want the old content", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the directory holds %d files, want only the target", len(entries))
	}
	if err := Write(filepath.Join(dir, "missing", "x"), func(io.Writer) error { return nil }); err == nil {
		t.Error("write into a missing directory succeeded")
	}
}

// TestWritePerm: the file gets the permission bits asked for, not the
// temporary file's 0600, whatever the umask.
func TestWritePerm(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "deployment.hcl")
	for _, perm := range []os.FileMode{0o644, 0o600, 0o755} {
		if err := WritePerm(path, perm, func(w io.Writer) error { _, err := io.WriteString(w, "x\n"); return err }); err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != perm {
			t.Errorf("WritePerm(%o) left the file %o", perm, got)
		}
	}
}
