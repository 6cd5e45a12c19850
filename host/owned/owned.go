package owned

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Owned state. The host trusts only its own user (see docs/SECURITY.md):
// a state directory, socket directory, admin address file or admin socket
// that another user owns, or that group or others may write, could be
// replaced by that user — an admin address pointing at their socket
// captures every `aura-host invoke`. So, as ssh does for its files, the
// host and its clients refuse such a path before using it:
//
//   - the path itself must be owned by the running user and not writable
//     by group or others (a socket directory: no group or other access at
//     all, mode 0700);
//   - every directory above it (symbolic links resolved) must be owned by
//     the running user or root, and not writable by group or others unless
//     it is sticky (like /tmp, where others cannot rename or remove what is
//     ours).

// UnsafePathError reports a path the host refuses to use because another
// user could have written or replaced it. Nothing is read from, written to
// or connected through the path.
type UnsafePathError struct {
	// Path is the offending file or directory (an ancestor of the path
	// asked about, when that is the problem).
	Path string
	// What names the role of the path asked about: "state directory",
	// "socket directory", "admin address file", "admin socket".
	What string
	// Problem says what is wrong: the owner, or the mode.
	Problem string
	// Fix is the command that makes the path safe.
	Fix string
}

func (e *UnsafePathError) Error() string {
	return fmt.Sprintf("refusing %s: %s %s; another user could replace it. Fix: %s", e.What, e.Path, e.Problem, e.Fix)
}

// PrivateDir checks that dir is a directory owned by the running user
// with no access for group or others (0700), and that every directory above
// it is safe. It is the rule for socket directories.
func PrivateDir(dir string) error {
	return checkOwned(dir, "socket directory", fs.ModeDir, 0o077)
}

// Dir checks that dir is a directory owned by the running user,
// not writable by group or others, and that every directory above it is
// safe. It is the rule for a deployment's state directory.
func Dir(dir, what string) error {
	return checkOwned(dir, what, fs.ModeDir, 0o022)
}

// File checks that path is a file of type typ (0 for a regular
// file, fs.ModeSocket for a socket) owned by the running user, not writable
// by group or others, in a directory that Dir accepts. It does not
// follow a symbolic link at path.
func File(path, what string, typ fs.FileMode) error {
	return checkOwned(path, what, typ, 0o022)
}

// EnsureDir creates dir (mode 0700, and its missing parents 0700) if
// it does not exist, then checks it as Dir does.
func EnsureDir(dir, what string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", what, err)
	}
	return Dir(dir, what)
}

// checkOwned applies the rule to path (whose type must be typ and whose
// permission bits must not include forbidden) and then to its ancestors.
func checkOwned(path, what string, typ, forbidden fs.FileMode) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	// Resolve links above the path, not the path itself: a link in place
	// of an admin socket or address file is refused below.
	parent, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, path, err)
	}
	leaf := filepath.Join(parent, filepath.Base(abs))
	if typ == fs.ModeDir {
		// A state directory given through a link is the directory it names.
		if leaf, err = filepath.EvalSymlinks(leaf); err != nil {
			return fmt.Errorf("%s %s: %w", what, path, err)
		}
		parent = filepath.Dir(leaf)
	}
	info, err := os.Lstat(leaf)
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, path, err)
	}
	if info.Mode().Type() != typ {
		return &UnsafePathError{Path: leaf, What: what, Problem: fmt.Sprintf("is a %s, not a %s", typeName(info.Mode().Type()), typeName(typ)),
			Fix: fmt.Sprintf("remove %s and let aura-host recreate it", leaf)}
	}
	uid := os.Getuid()
	if owner, ok := ownerOf(info); ok && owner != uid {
		return &UnsafePathError{Path: leaf, What: what, Problem: fmt.Sprintf("is owned by uid %d, not by uid %d that runs aura-host", owner, uid),
			Fix: fmt.Sprintf("chown %d %s (or remove it and let aura-host recreate it)", uid, leaf)}
	}
	if perm := info.Mode().Perm(); perm&forbidden != 0 {
		fix := fmt.Sprintf("chmod go-w %s", leaf)
		switch {
		case typ == fs.ModeDir && forbidden == 0o077:
			fix = fmt.Sprintf("chmod 700 %s", leaf)
		case typ == fs.ModeDir:
			fix = fmt.Sprintf("chmod 700 %s (or at least go-w)", leaf)
		}
		return &UnsafePathError{Path: leaf, What: what, Problem: fmt.Sprintf("has mode %04o, open to group or others", perm), Fix: fix}
	}
	return checkAncestors(parent, what)
}

// checkAncestors checks dir and every directory above it: owned by the
// running user or root, and not writable by group or others unless sticky.
func checkAncestors(dir, what string) error {
	uid := os.Getuid()
	for {
		info, err := os.Lstat(dir)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		owner, ok := ownerOf(info)
		switch {
		case ok && owner != uid && owner != 0:
			return &UnsafePathError{Path: dir, What: what, Problem: fmt.Sprintf("lies in a directory owned by uid %d", owner),
				Fix: fmt.Sprintf("move it under a directory that uid %d or root owns, or chown %d %s", uid, uid, dir)}
		case info.Mode().Perm()&0o022 != 0 && info.Mode()&fs.ModeSticky == 0:
			return &UnsafePathError{Path: dir, What: what, Problem: fmt.Sprintf("lies in a directory with mode %04o, writable by group or others", info.Mode().Perm()),
				Fix: fmt.Sprintf("chmod go-w %s (or chmod +t, as /tmp is)", dir)}
		}
		up := filepath.Dir(dir)
		if up == dir {
			return nil
		}
		dir = up
	}
}

func ownerOf(info fs.FileInfo) (int, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

func typeName(t fs.FileMode) string {
	switch t {
	case 0:
		return "regular file"
	case fs.ModeDir:
		return "directory"
	case fs.ModeSocket:
		return "socket"
	case fs.ModeSymlink:
		return "symbolic link"
	case fs.ModeNamedPipe:
		return "named pipe"
	}
	return "special file"
}
