// Package atomicfile writes a file whole or not at all: what is written
// goes to a temporary file beside the target, renamed over it once
// complete, so a reader never sees half a file and a failed write leaves
// the old one (or none) in place. host/session records traces with it,
// the CLI simulation bundles.
//
// It imports nothing of the project, so cmd and host may both import it.
package atomicfile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Write writes the file at path with write, whole or not at all: write
// goes to a temporary file beside path that is renamed over it once
// complete. An error of write or of closing the file names path. The
// file is readable and writable by its owner only (0600).
func Write(path string, write func(io.Writer) error) error {
	return WritePerm(path, 0o600, write)
}

// WritePerm is Write giving the file the permission bits perm (as chmod
// does, whatever the umask), for rewriting a file that others may read.
func WritePerm(path string, perm fs.FileMode, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if err := tmp.Chmod(perm.Perm()); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}
