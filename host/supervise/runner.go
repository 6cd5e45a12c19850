package supervise

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-plugin/runner"
)

// processRunner runs a plugin process for go-plugin, with the three things
// the host needs and go-plugin's own runner lacks: its own process group
// (so a kill reaches every process the plugin started), a parent-death
// signal (so a dead host leaves no plugin), and immediate notice of exit.
type processRunner struct {
	cmd    *exec.Cmd
	stdout io.ReadCloser
	stderr io.ReadCloser
	// pid is set once Start has started the process; Kill may read it from
	// another goroutine (a start-up that timed out) at any time.
	pid    atomic.Int64
	exited chan struct{} // closed the moment the process exits
	status string        // how it exited, set before exited is closed
}

func (r *processRunner) Start(context.Context) error {
	if err := forker.start(r.cmd); err != nil {
		return err
	}
	r.pid.Store(int64(r.cmd.Process.Pid))
	go r.watchExit()
	return nil
}

// Wait reaps the process for go-plugin, but only once watchExit has read
// its wait status: reaping first would leave watchExit nothing to read
// (ECHILD), and the exit reason would depend on which goroutine ran first.
func (r *processRunner) Wait(context.Context) error {
	<-r.exited
	return r.cmd.Wait()
}

func (r *processRunner) Stdout() io.ReadCloser { return r.stdout }
func (r *processRunner) Stderr() io.ReadCloser { return r.stderr }
func (r *processRunner) Name() string          { return r.cmd.Args[0] } // as configured (Path may be a private copy)
func (r *processRunner) ID() string            { return strconv.FormatInt(r.pid.Load(), 10) }

// PID is the process's ID, 0 before Start.
func (r *processRunner) PID() int { return int(r.pid.Load()) }

func (r *processRunner) Diagnose(context.Context) string {
	return fmt.Sprintf("%s did not print go-plugin's handshake line: it is not an Aura Host plugin, or it printed something to stdout first", r.cmd.Args[0])
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
