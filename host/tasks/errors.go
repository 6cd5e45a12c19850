package tasks

import (
	"errors"
	"fmt"
	"strings"
)

// ErrShutdown is the cause of cancellation once the Supervisor shuts down,
// and the error that refuses a task started afterwards.
var ErrShutdown = errors.New("task supervisor is shut down")

// ErrCancelled is the cause of cancellation of a group cancelled by its
// Cancel or Stop method (or of one of its ancestors).
var ErrCancelled = errors.New("task group cancelled")

// ErrDuplicateTask refuses a task whose full name is already running: names
// must identify tasks unambiguously in Running and in a ShutdownError.
var ErrDuplicateTask = errors.New("a task of that name is already running")

// TaskError is a failure of one task (or of one run of a periodic task). It
// is what the Supervisor records for the task, passes to Config.OnError,
// and uses as the cancellation cause of a fail-fast group.
type TaskError struct {
	Task string // the task's full name, e.g. "agent/sync/anti-entropy"
	Err  error
}

func (e *TaskError) Error() string { return fmt.Sprintf("task %s: %v", e.Task, e.Err) }

func (e *TaskError) Unwrap() error { return e.Err }

// PanicError is the error recorded for a task that panicked: the
// Supervisor recovers the panic so that one broken task does not take the
// host down, and keeps the stack for the report.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the panicking goroutine's stack
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic value if it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// ShutdownError reports the tasks still running when the context of a
// Shutdown, Stop or Wait ended.
type ShutdownError struct {
	Group   string   // the group waited for; "" for the whole Supervisor
	Running []string // full names of the tasks still running, sorted
	Err     error    // why waiting stopped: the context's cause
}

func (e *ShutdownError) Error() string {
	scope := "task supervisor"
	if e.Group != "" {
		scope = "task group " + e.Group
	}
	noun := "tasks"
	if len(e.Running) == 1 {
		noun = "task"
	}
	return fmt.Sprintf("%s: %d %s still running at the deadline: %s: %v",
		scope, len(e.Running), noun, strings.Join(e.Running, ", "), e.Err)
}

func (e *ShutdownError) Unwrap() error { return e.Err }
