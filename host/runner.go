package host

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"unsafe"

	"github.com/hashicorp/go-plugin/runner"
	"golang.org/x/sys/unix"
)

// processRunner runs a plugin process for go-plugin, with the three things
// the host needs and go-plugin's own runner lacks: its own process group
// (so a kill reaches every process the plugin started), a parent-death
// signal (so a dead host leaves no plugin), and immediate notice of exit.
type processRunner struct {
	cmd    *exec.Cmd
	stdout io.ReadCloser
	stderr io.ReadCloser
	pid    int
	exited chan struct{} // closed the moment the process exits
	status string        // how it exited, set before exited is closed
}

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

func (r *processRunner) Start(context.Context) error {
	if err := forker.start(r.cmd); err != nil {
		return err
	}
	r.pid = r.cmd.Process.Pid
	go r.watchExit()
	return nil
}

// watchExit waits for the process to exit without reaping it (WNOWAIT), so
// that exec.Cmd.Wait, which go-plugin calls later, still works.
func (r *processRunner) watchExit() {
	defer close(r.exited)
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, r.pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
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

func (r *processRunner) Wait(context.Context) error { return r.cmd.Wait() }

// Kill SIGKILLs the plugin's whole process group. It never blocks.
func (r *processRunner) Kill(context.Context) error {
	if r.pid == 0 {
		return nil
	}
	err := syscall.Kill(-r.pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

func (r *processRunner) Stdout() io.ReadCloser { return r.stdout }
func (r *processRunner) Stderr() io.ReadCloser { return r.stderr }
func (r *processRunner) Name() string          { return r.cmd.Path }
func (r *processRunner) ID() string            { return strconv.Itoa(r.pid) }

func (r *processRunner) Diagnose(context.Context) string {
	return fmt.Sprintf("%s did not print go-plugin's handshake line: it is not an Aura Host plugin, or it printed something to stdout first", r.cmd.Path)
}

func (r *processRunner) PluginToHost(network, addr string) (string, string, error) {
	return network, addr, nil
}

func (r *processRunner) HostToPlugin(network, addr string) (string, string, error) {
	return network, addr, nil
}

var _ runner.Runner = (*processRunner)(nil)

// forker starts every plugin process from one OS thread that lives as long
// as the host. Linux delivers the parent-death signal when the *thread*
// that forked the child exits, not the process; Go may retire threads, so
// starting children from an arbitrary goroutine could kill them early.
var forker = newForkThread()

type forkThread struct {
	once sync.Once
	reqs chan forkRequest
}

type forkRequest struct {
	cmd  *exec.Cmd
	done chan error
}

func newForkThread() *forkThread { return &forkThread{reqs: make(chan forkRequest)} }

func (f *forkThread) start(cmd *exec.Cmd) error {
	f.once.Do(func() {
		go func() {
			runtime.LockOSThread() // never unlocked: this thread must outlive every child
			for req := range f.reqs {
				req.done <- req.cmd.Start()
			}
		}()
	})
	done := make(chan error, 1)
	f.reqs <- forkRequest{cmd, done}
	return <-done
}
