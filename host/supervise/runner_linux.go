//go:build linux

package supervise

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// errUnsupported is nil: Linux has everything supervision needs.
var errUnsupported error

func newProcessRunner(cmd *exec.Cmd) (*processRunner, error) {
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	return &processRunner{cmd: cmd, stdout: stdout, stderr: filterStderr(stderr), exited: make(chan struct{})}, nil
}

// watchExit waits for the process to exit without reaping it (WNOWAIT), so
// that exec.Cmd.Wait, which go-plugin calls later, still works.
func (r *processRunner) watchExit() {
	defer close(r.exited)
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, r.PID(), &info, unix.WEXITED|unix.WNOWAIT, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err == nil {
			r.status = exitStatus(&info)
		} else {
			r.status = "exited"
		}
		return
	}
}

// exitStatus describes a SIGCHLD siginfo: "exit status 3" or "killed by
// signal 9 (killed)". The Linux siginfo_t keeps si_status at byte 24,
// which x/sys/unix's Siginfo leaves in its padding.
func exitStatus(info *unix.Siginfo) string {
	raw := (*[128]byte)(unsafe.Pointer(info))
	status := int32(binary.NativeEndian.Uint32(raw[24:28]))
	// si_code values for SIGCHLD (asm-generic/siginfo.h).
	const cldExited, cldKilled, cldDumped = 1, 2, 3
	switch info.Code {
	case cldExited:
		return fmt.Sprintf("exit status %d", status)
	case cldKilled, cldDumped:
		return fmt.Sprintf("killed by signal %d (%v)", status, syscall.Signal(status))
	}
	return "exited"
}

// Kill SIGKILLs the plugin's whole process group. It never blocks.
func (r *processRunner) Kill(context.Context) error {
	pid := r.PID()
	if pid == 0 {
		return nil
	}
	err := syscall.Kill(-pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
