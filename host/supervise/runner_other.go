//go:build !linux

package supervise

import (
	"context"
	"errors"
	"os/exec"
)

// errUnsupported says why no plugin process can start here. Supervision
// relies on Linux: a parent-death signal (so a dead host leaves no
// plugin) and waitid without reaping (immediate notice of exit). On other
// systems the package builds — so that the sdk's and plugins' tests and
// in-process runs (Config.InProcess) work — but launching a process fails
// at start-up with this error.
var errUnsupported = errors.New("plugin supervision needs Linux (parent-death signal, process groups and waitid); run built-in plugins in process, or run aura-host on Linux")

func newProcessRunner(*exec.Cmd, string, StderrLimits) (*processRunner, error) {
	return nil, errUnsupported
}

func (r *processRunner) watchExit() { close(r.exited) }

// Kill does nothing: no process is ever started here.
func (r *processRunner) Kill(context.Context) error { return nil }

// dying is false: no process is ever started here.
func (r *processRunner) dying() bool { return false }
