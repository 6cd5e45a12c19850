package supervise

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/owned"
)

// How a pinned plugin binary is run, and why the pin holds.
//
// Hashing a file by its path and then executing that path is a race: whoever
// can write the binary's directory (or the file) swaps another binary in
// between the two, and the host runs bytes it never checked. So the host
// hashes and executes the same bytes:
//
//  1. The command is opened once (O_RDONLY|O_CLOEXEC, and O_NONBLOCK so a
//     FIFO put there cannot block start-up), and the open file is fstat'ed:
//     it must be a regular file with an execute bit. Every later step reads
//     this open file, never the path again.
//  2. Its bytes are copied into a file of the host's own, in the host's
//     private socket directory (owned by the host's user, mode 0700, checked
//     by makeSocketDir), and hashed as they are copied. On a mismatch the copy
//     is removed and nothing is executed.
//  3. The copy — which no other user can write, replace or rename — is what
//     is executed; argv[0] stays the configured command, so `ps` reads as
//     before. The copy is removed once the plugin has completed (or failed)
//     its handshake: by then the kernel has the executable mapped, and a
//     script's interpreter has it open.
//
// Why a private copy rather than executing the open file through
// /proc/self/fd/N: an open file defends against a rename but not against
// someone who may write the file itself rewriting it in place after the
// hash; the copy holds against both. The fd also has to be passed to the
// child without close-on-exec (the child's /proc/self/fd is its own table),
// which leaves it open in every plugin, and a `#!` script run through it
// works only while that fd stays open. A copy costs one write of the binary
// per start — only pinned plugins pay it.
//
// Scripts (`#!`) work: the kernel runs the interpreter on the private copy.
// The pin covers the script's bytes, not its interpreter or what the script
// loads.
//
// While the copy's write descriptor is open, no process may be forked:
// a child forked then would hold it until its own exec, and executing the
// copy meanwhile fails with ETXTBSY (golang.org/issue/22315). The copy is
// written holding syscall.ForkLock for reading, which every fork in this
// process takes for writing.

// openBinary opens an external plugin's command once and checks what was
// opened: a regular file with an execute bit. The caller closes it.
func openBinary(p *config.Plugin) (*os.File, error) {
	f, err := os.OpenFile(p.Command, os.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, &LaunchError{Plugin: p.Name, Reason: "plugin binary not found", Err: err,
			Hint: fmt.Sprintf("build the plugin to %s, or fix `command` in the plugin block", p.Command)}
	case err != nil:
		return nil, &LaunchError{Plugin: p.Name, Reason: "cannot read plugin binary", Err: err}
	}
	info, err := f.Stat()
	switch {
	case err != nil:
		f.Close()
		return nil, &LaunchError{Plugin: p.Name, Reason: "cannot read plugin binary", Err: err}
	case info.IsDir():
		f.Close()
		return nil, &LaunchError{Plugin: p.Name, Reason: p.Command + " is a directory, not a plugin binary",
			Hint: "point `command` at the plugin's executable file"}
	case !info.Mode().IsRegular():
		f.Close()
		return nil, &LaunchError{Plugin: p.Name, Reason: fmt.Sprintf("%s is not a regular file (%v)", p.Command, info.Mode().Type()),
			Hint: "point `command` at the plugin's executable file"}
	case info.Mode()&0o111 == 0:
		f.Close()
		return nil, &LaunchError{Plugin: p.Name, Reason: p.Command + " is not executable",
			Hint: "chmod +x it, or point `command` at the built binary"}
	}
	return f, nil
}

// pinnedCopy copies the open binary src into a new file in dir, hashing
// the bytes as they are written, and returns the copy's path if they match
// the plugin's pin. On a mismatch it removes the copy and returns a
// *LaunchError wrapping a *ChecksumError.
func pinnedCopy(p *config.Plugin, src *os.File, dir string) (string, error) {
	fail := func(err error) (string, error) {
		return "", &LaunchError{Plugin: p.Name, Reason: "cannot make a private copy of the plugin binary to run", Err: err,
			Hint: "the host's socket directory (" + dir + ") must be writable by the host's user"}
	}
	if dir == "" {
		return fail(errors.New("no private directory to copy the binary to"))
	}
	binDir := filepath.Join(dir, "bin")
	if err := os.Mkdir(binDir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fail(err)
	}
	if err := owned.PrivateDir(binDir); err != nil {
		return fail(err)
	}
	path, sum, err := writeCopy(binDir, p.Name, src)
	if err != nil {
		return fail(err)
	}
	if !bytes.Equal(sum, p.SHA256) {
		_ = os.Remove(path)
		return "", &LaunchError{Plugin: p.Name, Reason: "checksum mismatch, refusing to run the binary",
			Err:  &ChecksumError{Path: p.Command, Expected: p.SHA256, Actual: sum},
			Hint: fmt.Sprintf("if you rebuilt or upgraded the plugin on purpose, set sha256 = %q; otherwise the binary was replaced and should not be trusted", fmt.Sprintf("%x", sum))}
	}
	return path, nil
}

// writeCopy writes src to a new 0700 file in dir and returns its path and
// the SHA-256 of the bytes written. No fork happens while the file is open
// for writing (see the comment at the top of this file).
func writeCopy(dir, name string, src *os.File) (path string, sum []byte, err error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	dst, err := os.CreateTemp(dir, name+"-*")
	if err != nil {
		return "", nil, err
	}
	path = dst.Name()
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(dst, h), src)
	if err == nil {
		err = dst.Chmod(0o700)
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return "", nil, err
	}
	return path, h.Sum(nil), nil
}

// checkUnpinned refuses an unpinned command plugin in production unless
// its block opts in with allow_unpinned = true. config.Load refuses the
// same deployment with a diagnostic; this holds for a deployment switched
// to production after loading (--mode) or built in code.
func checkUnpinned(p *config.Plugin, mode effects.Mode) error {
	if p.Builtin != "" || p.SHA256 != nil || p.AllowUnpinned || mode != effects.Production {
		return nil
	}
	return &LaunchError{Plugin: p.Name, Reason: "unpinned plugin binary refused in production", Err: ErrUnpinned,
		Hint: fmt.Sprintf("add sha256 = \"<output of sha256sum %s>\" to the plugin block, or set allow_unpinned = true to run whatever binary is at that path", p.Command)}
}
