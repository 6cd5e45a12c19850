package sdk

import (
	"fmt"
	"io/fs"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// rawSocketIO says socketIO makes its own system calls here.
const rawSocketIO = true

// sysRead is read(2) on a non-blocking descriptor, without the
// scheduler's system-call bookkeeping (see socketIO): it cannot block.
func sysRead(fd uintptr, p []byte) (int, error) {
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return 0, e
		}
		return int(n), nil
	}
}

// sysWrite is write(2) on a non-blocking descriptor, as sysRead.
func sysWrite(fd uintptr, p []byte) (int, error) {
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return 0, e
		}
		return int(n), nil
	}
}

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
