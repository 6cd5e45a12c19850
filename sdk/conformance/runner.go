package conformance

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/hashicorp/go-plugin/runner"
)

// processRunner runs a plugin process for go-plugin in its own process
// group, with notice of its exit. Its stdout and stderr are os.Pipes, not
// exec's, so that reaping the process does not close them under a reader
// that has not finished (a plugin that dies at once still has its last
// words read).
type processRunner struct {
	cmd            *exec.Cmd
	stdout, stderr *os.File
	exited         chan struct{} // closed when the process has exited and been reaped
	status         string        // "exited with status 1", "was killed by signal 9"; set before exited closes
	exitCode       int           // -1 if killed by a signal
	waitErr        error
}

func newProcessRunner(cmd *exec.Cmd) (*processRunner, error) {
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	ownGroup(cmd)
	return &processRunner{cmd: cmd, stdout: outR, stderr: errR, exited: make(chan struct{})}, nil
}

func (r *processRunner) Start(context.Context) error {
	err := r.cmd.Start()
	// The child has its own copies of the write ends: readers see EOF
	// once it (and whatever it started) has closed them.
	r.cmd.Stdout.(*os.File).Close()
	r.cmd.Stderr.(*os.File).Close()
	if err != nil {
		r.stdout.Close()
		r.stderr.Close()
		close(r.exited)
		r.status, r.exitCode = "could not be started: "+err.Error(), -1
		return err
	}
	go func() {
		r.waitErr = r.cmd.Wait()
		st := r.cmd.ProcessState
		r.exitCode = st.ExitCode()
		switch {
		case r.exitCode >= 0:
			r.status = "exited with status " + strconv.Itoa(r.exitCode)
		default:
			r.status = "was killed (" + st.String() + ")"
		}
		close(r.exited)
	}()
	return nil
}

func (r *processRunner) Wait(context.Context) error {
	<-r.exited
	return r.waitErr
}

func (r *processRunner) Kill(context.Context) error {
	r.killGroup()
	return nil
}

// waitExit waits up to d for the process to exit and reports whether it did.
func (r *processRunner) waitExit(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.exited:
		return true
	case <-t.C:
		return false
	}
}

// groupGoneBy waits, until ctx ends, for the process group to be empty.
func (r *processRunner) groupGoneBy(ctx context.Context) bool {
	if r.cmd.Process == nil {
		return true
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for groupAlive(r.cmd.Process.Pid) {
		select {
		case <-ctx.Done():
			return !groupAlive(r.cmd.Process.Pid)
		case <-tick.C:
		}
	}
	return true
}

func (r *processRunner) killGroup() {
	if r.cmd.Process != nil {
		killGroup(r.cmd.Process.Pid)
		_ = r.cmd.Process.Kill() // where there are no groups; harmless once reaped
	}
}

func (r *processRunner) Stdout() io.ReadCloser { return r.stdout }
func (r *processRunner) Stderr() io.ReadCloser { return r.stderr }
func (r *processRunner) Name() string          { return r.cmd.Args[0] }
func (r *processRunner) ID() string {
	if r.cmd.Process == nil {
		return ""
	}
	return strconv.Itoa(r.cmd.Process.Pid)
}

func (r *processRunner) Diagnose(context.Context) string {
	return fmt.Sprintf("%s did not print go-plugin's handshake line first on stdout", r.cmd.Args[0])
}

func (r *processRunner) PluginToHost(network, addr string) (string, string, error) {
	return network, addr, nil
}

func (r *processRunner) HostToPlugin(network, addr string) (string, string, error) {
	return network, addr, nil
}

var _ runner.Runner = (*processRunner)(nil)
