package sdk

import (
	"fmt"
	"io/fs"
	"net"
	"os"
	"syscall"
)

// checkPeer checks the kernel's credentials of the connecting process
// (SO_PEERCRED): it must be the host (or, for a plugin served in process
// by a test harness, this process) running as this user. A process of
// another user, or another process of ours, cannot use the socket even if
// it reached it.
func checkPeer(conn *net.UnixConn, host int) error {
	raw, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var cred *syscall.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return err
	}
	if credErr != nil {
		return fmt.Errorf("read the peer's credentials: %w", credErr)
	}
	if int(cred.Uid) != os.Getuid() {
		return fmt.Errorf("data-plane peer runs as uid %d, not this plugin's uid %d", cred.Uid, os.Getuid())
	}
	if pid := int(cred.Pid); pid != host && pid != os.Getpid() {
		return fmt.Errorf("data-plane peer is process %d, not the host (%d)", pid, host)
	}
	return nil
}

// checkOwner checks that this user owns the directory fi describes.
func checkOwner(fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("data-plane directory is owned by uid %d, not this plugin's uid %d", st.Uid, os.Getuid())
	}
	return nil
}
