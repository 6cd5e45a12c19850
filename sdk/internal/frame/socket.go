package frame

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// socketIO reads and writes the data-plane connection for the frame codec.
// Its socket is non-blocking (the Go runtime's netpoller waits for it), so
// a read or write system call returns at once: socketIO makes them without
// telling the scheduler (sysRead, sysWrite), where net.Conn's Read and
// Write enter and leave a system-call state around each. That state
// change wakes the runtime's monitor thread whenever it sleeps because
// the process was idle — each call on a quiet data plane, on each side:
// on a 2-vCPU VM a futex wake-up, several µs a call (BENCHMARKS.md, "Data
// plane without hand-offs"). Waiting for the socket stays the netpoller's,
// with net.Conn's deadlines; a write arms its deadline only when the
// socket's buffer is full, sparing every other write a runtime timer.
type socketIO struct {
	conn net.Conn
	raw  syscall.RawConn // nil: conn is not a socket (tests' pipes); use its methods
}

func newSocketIO(conn net.Conn) *socketIO {
	s := &socketIO{conn: conn}
	if sc, ok := conn.(syscall.Conn); ok && rawSocketIO {
		if raw, err := sc.SyscallConn(); err == nil {
			s.raw = raw
		}
	}
	return s
}

// Read reads what the socket has, waiting until it has something, the
// peer closes it (io.EOF), or a read deadline passes.
func (s *socketIO) Read(p []byte) (int, error) {
	if s.raw == nil {
		return s.conn.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var errno error
	err := s.raw.Read(func(fd uintptr) bool {
		n, errno = sysRead(fd, p)
		return errno != syscall.EAGAIN // wait for the netpoller, then again
	})
	switch {
	case err != nil: // closed, or a deadline
		return 0, err
	case errno != nil:
		return 0, os.NewSyscallError("read", errno)
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// errBufferFull is a write that stopped at a full socket buffer.
var errBufferFull = errors.New("the socket's buffer is full")

// Write writes all of p. If the peer leaves the socket's buffer full for
// stall, it fails with a timeout.
func (s *socketIO) Write(p []byte, stall time.Duration) error {
	if s.raw == nil {
		_ = s.conn.SetWriteDeadline(time.Now().Add(stall))
		_, err := s.conn.Write(p)
		return err
	}
	n, err := s.write(p, false)
	if !errors.Is(err, errBufferFull) {
		return err
	}
	_ = s.conn.SetWriteDeadline(time.Now().Add(stall))
	defer func() { _ = s.conn.SetWriteDeadline(time.Time{}) }() // an expired deadline would fail every later write
	_, err = s.write(p[n:], true)
	return err
}

// write writes p with system calls. At a full socket buffer it waits for
// the netpoller if wait, else returns what it wrote and errBufferFull.
func (s *socketIO) write(p []byte, wait bool) (int, error) {
	written := 0
	var errno error
	err := s.raw.Write(func(fd uintptr) bool {
		for written < len(p) {
			n, e := sysWrite(fd, p[written:])
			if e == syscall.EAGAIN {
				return !wait // false: wait until writable, then call again
			}
			if e != nil {
				errno = e
				return true
			}
			written += n
		}
		return true
	})
	switch {
	case err != nil: // closed, or the deadline
		return written, err
	case errno != nil:
		return written, os.NewSyscallError("write", errno)
	case written < len(p):
		return written, errBufferFull
	}
	return written, nil
}
