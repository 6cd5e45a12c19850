package frame

import (
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
