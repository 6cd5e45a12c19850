package supervise

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/aurahost/aura-host/host/owned"
)

// SocketRoot is the per-user directory under which each running host keeps
// its plugins' socket directories, one subdirectory per plugin manager,
// named "PID.RANDOM" (a process may run several managers: one per agent, one
// per simulation in a seed sweep, and each removes only its own). Socket
// paths are limited to ~108 bytes, so this lives under the system temp
// directory rather than under a deployment's (possibly deep) state dir.
func SocketRoot() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("aura-host-%d", os.Getuid()))
}

// makeSocketDir creates this host's socket directory (0700) after sweeping
// the directories of hosts that are no longer running.
func makeSocketDir() (string, error) {
	root := SocketRoot()
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", fmt.Errorf("create socket directory: %w", err)
	}
	if err := owned.PrivateDir(root); err != nil {
		return "", err
	}
	sweepStaleSocketDirs(root)
	dir, err := os.MkdirTemp(root, strconv.Itoa(os.Getpid())+".")
	if err != nil {
		return "", fmt.Errorf("create socket directory: %w", err)
	}
	if err := owned.PrivateDir(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// sweepStaleSocketDirs removes the socket directories of hosts whose PID
// is no longer alive (a host killed with SIGKILL cannot clean up).
func sweepStaleSocketDirs(root string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		pidText, _, _ := strings.Cut(e.Name(), ".")
		pid, err := strconv.Atoi(pidText)
		if err != nil || !e.IsDir() || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(filepath.Join(root, e.Name()))
		}
	}
}
