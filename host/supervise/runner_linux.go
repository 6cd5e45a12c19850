//go:build linux

package supervise

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// errUnsupported is nil: Linux has everything supervision needs.
var errUnsupported error

func newProcessRunner(cmd *exec.Cmd, plugin string, limits StderrLimits) (*processRunner, error) {
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	return &processRunner{cmd: cmd, stdout: stdout, stderr: filterStderr(stderr, plugin, limits, time.Now), exited: make(chan struct{})}, nil
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

// exitStatus describes a SIGCHLD siginfo: "exited with status 3" or
// "killed by signal 9 (SIGKILL)". The Linux siginfo_t keeps si_status at
// byte 24, which x/sys/unix's Siginfo leaves in its padding.
func exitStatus(info *unix.Siginfo) string {
	raw := (*[128]byte)(unsafe.Pointer(info))
	status := int32(binary.NativeEndian.Uint32(raw[24:28]))
	// si_code values for SIGCHLD (asm-generic/siginfo.h).
	const cldExited, cldKilled, cldDumped = 1, 2, 3
	switch info.Code {
	case cldExited:
		return fmt.Sprintf("exited with status %d", status)
	case cldKilled, cldDumped:
		return signalStatus(syscall.Signal(status))
	}
	return "exited"
}

// signalStatus is how a process killed by sig is described.
func signalStatus(sig syscall.Signal) string {
	name := unix.SignalName(sig)
	if name == "" {
		name = sig.String()
	}
	return fmt.Sprintf("killed by signal %d (%s)", int(sig), name)
}

// dying reports whether the process has begun to exit (the kernel's
// PF_EXITING flag of its main thread, field 9 of /proc/PID/stat) though it
// may not be a zombie yet. A plugin's sockets close only once every thread
// has passed that point, so when its call stream breaks because it died,
// dying already says so, and the supervisor waits for its wait status
// rather than killing it and reporting a cause of its own.
func (r *processRunner) dying() bool {
	pid := r.PID()
	if pid == 0 {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // gone already: reaped is past exiting
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count fields after its closing one.
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return false
	}
	fields := strings.Fields(string(b[end+1:]))
	const flagsField = 9 - 3 // fields 3.. follow the name
	if len(fields) <= flagsField {
		return false
	}
	flags, err := strconv.ParseUint(fields[flagsField], 10, 64)
	if err != nil {
		return false
	}
	const pfExiting = 0x4 // include/linux/sched.h
	return flags&pfExiting != 0 || fields[0] == "Z" || fields[0] == "X"
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
