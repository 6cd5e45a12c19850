package tasks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// TaskFunc is the body of a task. It must return once ctx is cancelled:
// a task that does not is named in the ShutdownError of the shutdown it
// outlives.
type TaskFunc func(ctx context.Context) error

// Config configures a Supervisor.
type Config struct {
	// Clock schedules periodic tasks. Nil means RealClock; tests pass a
	// ManualClock, simulations an EffectClock over the simulator's clock.
	Clock Clock
	// OnError, if set, is called with every failure as it is recorded, from
	// the failing task's goroutine (so it must not wait for that task). It is
	// the place to log: the Supervisor keeps only each task's latest error.
	OnError func(err *TaskError)
}

// TaskStatus is a snapshot of what the Supervisor knows of one task, kept
// after the task ends until another task of the same name starts.
type TaskStatus struct {
	Name     string        // full name, e.g. "agent/sync/anti-entropy"
	Interval time.Duration // the period of a periodic task; 0 for a one-shot task
	Running  bool          // its goroutine has not returned yet
	Runs     int           // runs completed, successful or not
	Failures int           // runs that failed
	LastErr  *TaskError    // the latest failure; nil if none
}

// Supervisor is the TaskSupervisor: it owns the goroutines of named tasks
// arranged in hierarchical groups. Make one with New; it is safe for
// concurrent use. Its methods on the top level (Go, Every, Group, Running,
// Wait) act on the root group, whose tasks have plain names.
type Supervisor struct {
	clock   Clock
	onError func(*TaskError)
	root    *Group

	mu           sync.Mutex
	running      map[string]*task       // by full name
	status       map[string]*TaskStatus // by full name, the latest task of each name
	changed      chan struct{}          // closed and replaced whenever a task ends
	closed       bool                   // Shutdown has begun: no task may start
	shutdownDone chan struct{}          // closed when the first Shutdown returns
	shutdownErr  error                  // its result, written before shutdownDone closes
}

// task is one running task. Its fields do not change after start, except
// status, which is guarded by Supervisor.mu.
type task struct {
	name     string
	group    *Group
	interval time.Duration // 0 for a one-shot task
	fn       TaskFunc
	ctx      context.Context
	status   *TaskStatus
}

// New returns a Supervisor with no tasks.
func New(cfg Config) *Supervisor {
	if cfg.Clock == nil {
		cfg.Clock = RealClock{}
	}
	s := &Supervisor{
		clock:   cfg.Clock,
		onError: cfg.OnError,
		running: make(map[string]*task),
		status:  make(map[string]*TaskStatus),
		changed: make(chan struct{}),
	}
	// The root's context is cancelled by Shutdown and by nothing else: the
	// Supervisor, not a caller's context, bounds its tasks' lifetime.
	ctx, cancel := context.WithCancelCause(context.Background())
	s.root = &Group{sup: s, ctx: ctx, cancel: cancel, children: make(map[string]*Group)}
	return s
}

// Clock returns the clock that periodic tasks are scheduled on.
func (s *Supervisor) Clock() Clock { return s.clock }

// Group returns the top-level group of that name; see Group.Group.
func (s *Supervisor) Group(name string, opts ...GroupOption) *Group {
	return s.root.Group(name, opts...)
}

// Go starts a top-level task; see Group.Go.
func (s *Supervisor) Go(name string, fn TaskFunc) error { return s.root.Go(name, fn) }

// Every starts a top-level periodic task; see Group.Every.
func (s *Supervisor) Every(name string, interval time.Duration, fn TaskFunc) error {
	return s.root.Every(name, interval, fn)
}

// Running returns the full names of the running tasks, sorted.
func (s *Supervisor) Running() []string { return s.root.Running() }

// Wait blocks until no task is running, or ctx ends; then it returns a
// *ShutdownError naming the tasks still running. It cancels nothing: after
// a Shutdown that reported stragglers, Wait is how an owner waits for them.
func (s *Supervisor) Wait(ctx context.Context) error { return s.root.Wait(ctx) }

// Status returns what is known of the task with that full name.
func (s *Supervisor) Status(name string) (TaskStatus, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.status[name]
	if !ok {
		return TaskStatus{}, false
	}
	return *st, true
}

// Err returns the latest failure of the task with that full name, or nil.
func (s *Supervisor) Err(name string) error {
	if st, ok := s.Status(name); ok && st.LastErr != nil {
		return st.LastErr
	}
	return nil
}

// Tasks returns the status of every task known, sorted by name.
func (s *Supervisor) Tasks() []TaskStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]TaskStatus, 0, len(s.status))
	for _, st := range s.status {
		out = append(out, *st)
	}
	slices.SortFunc(out, func(a, b TaskStatus) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// Shutdown refuses new tasks, cancels every group with cause ErrShutdown,
// and waits for all tasks to return. It returns nil once none is left, or,
// when ctx ends first, a *ShutdownError naming the tasks still running.
// Calling it again is a no-op that returns the first call's result (waiting
// for the first call to finish, or for its own ctx).
func (s *Supervisor) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if done := s.shutdownDone; done != nil {
		s.mu.Unlock()
		select {
		case <-done:
			return s.shutdownErr
		case <-ctx.Done():
			return s.root.Wait(ctx)
		}
	}
	s.closed = true
	s.shutdownDone = make(chan struct{})
	s.mu.Unlock()

	s.root.cancel(ErrShutdown)
	err := s.root.Wait(ctx)
	s.shutdownErr = err
	close(s.shutdownDone)
	return err
}

// start registers and launches a task of g. It refuses the task, starting
// nothing, once the Supervisor is shut down or g is cancelled.
func (s *Supervisor) start(g *Group, name string, interval time.Duration, fn TaskFunc) error {
	full := join(g.name, name)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return fmt.Errorf("start task %s: %w", full, ErrShutdown)
	case g.ctx.Err() != nil:
		return fmt.Errorf("start task %s: group %s is cancelled: %w", full, g.displayName(), context.Cause(g.ctx))
	case s.running[full] != nil:
		return fmt.Errorf("start task %s: %w", full, ErrDuplicateTask)
	}
	t := &task{
		name:     full,
		group:    g,
		interval: interval,
		fn:       fn,
		ctx:      context.WithValue(g.ctx, taskNameKey{}, full),
		status:   &TaskStatus{Name: full, Interval: interval, Running: true},
	}
	s.running[full] = t
	s.status[full] = t.status
	go s.run(t)
	return nil
}

// run is the body of a task's goroutine.
func (s *Supervisor) run(t *task) {
	defer s.finish(t)
	if t.interval == 0 {
		s.record(t, call(t.ctx, t.fn))
		return
	}
	// Fixed delay: each run is scheduled one interval after the previous
	// one ended. A slow run never causes a burst of catch-up runs, and the
	// schedule needs only Sleep, which honours cancellation.
	for {
		if err := s.clock.Sleep(t.ctx, t.interval); err != nil {
			if t.ctx.Err() == nil {
				// The clock failed, not the task: retrying at once would
				// spin, so the task ends with the failure recorded.
				s.fail(t, fmt.Errorf("clock: %w", err))
			}
			return
		}
		if t.ctx.Err() != nil {
			return
		}
		s.record(t, call(t.ctx, t.fn))
	}
}

// call runs fn, turning a panic into a *PanicError.
func call(ctx context.Context, fn TaskFunc) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn(ctx)
}

// record counts a completed run of t and records its failure, if any. An
// error that only reports t's own cancellation is not a failure.
func (s *Supervisor) record(t *task, err error) {
	if err != nil && cancellation(t.ctx, err) {
		err = nil
	}
	s.mu.Lock()
	t.status.Runs++
	s.mu.Unlock()
	if err != nil {
		s.fail(t, err)
	}
}

// fail records a failure of t, reports it, and cancels every fail-fast
// group that holds t.
func (s *Supervisor) fail(t *task, err error) {
	te := &TaskError{Task: t.name, Err: err}
	s.mu.Lock()
	t.status.Failures++
	t.status.LastErr = te
	s.mu.Unlock()
	if s.onError != nil {
		s.onError(te)
	}
	for g := t.group; g != nil; g = g.parent {
		if g.failFast {
			g.cancel(te)
		}
	}
}

// cancellation reports whether err is how a task says that ctx, its own
// context, was cancelled.
func cancellation(ctx context.Context, err error) bool {
	if ctx.Err() == nil {
		return false
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.Cause(ctx)) || errors.Is(err, effects.ErrCancelled)
}

// finish removes t from the running tasks and wakes the waiters.
func (s *Supervisor) finish(t *task) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t.status.Running = false
	delete(s.running, t.name)
	close(s.changed)
	s.changed = make(chan struct{})
}

// runningUnder returns the sorted names of the running tasks in g's
// subtree. Called with mu held.
func (s *Supervisor) runningUnder(g *Group) []string {
	var names []string
	for name, t := range s.running {
		if t.group.within(g) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

type taskNameKey struct{}

// TaskName returns the full name of the task whose context ctx is (or
// derives from), for logs and traces.
func TaskName(ctx context.Context) (string, bool) {
	name, ok := ctx.Value(taskNameKey{}).(string)
	return name, ok
}
