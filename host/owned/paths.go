package owned

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// BadPathError is a path the host cannot use for what it is for, whoever
// owns it: a file where a directory belongs, a directory where a file
// belongs, a path on a kernel filesystem.
type BadPathError struct {
	Path    string // the path as resolved
	What    string // "state directory", "storage file"
	Problem string // "is a regular file, not a directory"
	Fix     string
}

func (e *BadPathError) Error() string {
	return fmt.Sprintf("cannot use %s %s: it %s. Fix: %s", e.What, e.Path, e.Problem, e.Fix)
}

// specialRoots are the kernel's own filesystems: nothing aura-host keeps
// belongs there (a file under /proc or /sys is not storage; /dev holds
// devices) — except under memoryRoot.
var specialRoots = []string{"/proc", "/sys", "/dev"}

// memoryRoot is the one place under /dev that holds ordinary files: a
// memory filesystem (tmpfs) for files shared through memory. Files there
// vanish at reboot, like those of a /tmp in memory; simulations keep
// their throwaway state there (host/sim).
const memoryRoot = "/dev/shm"

// CheckDir checks a directory the host will create if missing and keep
// state in (a deployment's state_dir): it must not lie on a kernel
// filesystem (/proc, /sys, /dev); if it exists it must be a directory that
// Dir accepts; if not, the nearest existing path above it must be a
// directory, so that it can be created. It creates nothing: `aura-host
// validate` and the host's start run it alike.
func CheckDir(dir, what string) error {
	abs, err := absolute(dir, what)
	if err != nil {
		return err
	}
	info, err := os.Stat(abs)
	switch {
	case err == nil && !info.IsDir():
		return &BadPathError{Path: abs, What: what, Problem: fmt.Sprintf("is a %s, not a directory", typeName(info.Mode().Type())),
			Fix: fmt.Sprintf("point %s at a directory, or a path where one can be created", what)}
	case err == nil:
		return Dir(abs, what)
	case !missing(err):
		return fmt.Errorf("%s %s: %w", what, abs, err)
	}
	return creatable(abs, what)
}

// CheckFile checks a file a plugin will create if missing and keep data
// in (a storage or journal database): not on a kernel filesystem; if it
// exists, a regular file (not a directory, a FIFO or a device); if not, the
// nearest existing path above it a directory. It creates nothing.
func CheckFile(path, what string) error {
	abs, err := absolute(path, what)
	if err != nil {
		return err
	}
	info, err := os.Stat(abs)
	switch {
	case err == nil && info.IsDir():
		return &BadPathError{Path: abs, What: what, Problem: "is a directory; it must name the file itself",
			Fix: fmt.Sprintf("name a file, for example %s", filepath.Join(abs, "data.db"))}
	case err == nil && !info.Mode().IsRegular():
		return &BadPathError{Path: abs, What: what, Problem: fmt.Sprintf("is a %s, not a regular file", typeName(info.Mode().Type())),
			Fix: "name a regular file, or a path where one can be created"}
	case err == nil:
		return nil
	case !missing(err):
		return fmt.Errorf("%s %s: %w", what, abs, err)
	}
	return creatable(filepath.Dir(abs), what)
}

// absolute makes p absolute, with the links of its existing part
// resolved, and refuses a path on a kernel filesystem.
func absolute(p, what string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	resolved := resolveExisting(abs)
	for _, cand := range []string{abs, resolved} {
		if within(cand, memoryRoot) {
			continue
		}
		for _, root := range specialRoots {
			if within(cand, root) {
				return "", &BadPathError{Path: abs, What: what, Problem: fmt.Sprintf("lies under %s, a kernel filesystem, not storage", root),
					Fix: "choose a path on an ordinary filesystem, such as one under the deployment's directory"}
			}
		}
	}
	return resolved, nil
}

// within reports whether path is root or lies under it.
func within(path, root string) bool {
	return path == root || strings.HasPrefix(path, root+"/")
}

// resolveExisting resolves the symbolic links of the longest existing
// prefix of abs and appends the rest.
func resolveExisting(abs string) string {
	rest := ""
	for dir := abs; ; {
		if r, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(r, rest)
		}
		up := filepath.Dir(dir)
		if up == dir {
			return abs
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = up
	}
}

// creatable checks that the nearest existing path at or above dir is a
// directory, so that dir can be made.
func creatable(dir, what string) error {
	for d := dir; ; {
		info, err := os.Stat(d)
		if err == nil {
			if !info.IsDir() {
				return &BadPathError{Path: dir, What: what, Problem: fmt.Sprintf("cannot be created: %s is a %s, not a directory", d, typeName(info.Mode().Type())),
					Fix: fmt.Sprintf("choose a path that does not go through %s, or remove it", d)}
			}
			return nil
		}
		if !missing(err) {
			return fmt.Errorf("%s %s: %w", what, dir, err)
		}
		up := filepath.Dir(d)
		if up == d {
			return nil
		}
		d = up
	}
}

// missing reports whether a stat failed because the path does not exist,
// or because a component above it is not a directory (creatable says
// which).
func missing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}
