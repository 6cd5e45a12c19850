package tasks

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Group is a named group of tasks and of child groups. Cancelling a group
// cancels its whole subtree; its tasks' contexts derive from its own.
// Groups are made by Supervisor.Group and Group.Group.
type Group struct {
	sup      *Supervisor
	parent   *Group // nil for the root
	name     string // full name, "" for the root
	failFast bool
	ctx      context.Context
	cancel   context.CancelCauseFunc
	children map[string]*Group // guarded by sup.mu
}

// GroupOption configures a group when it is created.
type GroupOption func(*groupOptions)

type groupOptions struct {
	failFast bool
}

// FailFast makes a group cancel itself, and so its subtree, when any task
// in its subtree fails. The failure (a *TaskError) becomes the cause of
// cancellation that the group's Err and its tasks' context.Cause report.
func FailFast() GroupOption {
	return func(o *groupOptions) { o.failFast = true }
}

// Name returns the group's full name, its ancestors' names and its own
// joined by "/", e.g. "agent/sync".
func (g *Group) Name() string { return g.name }

func (g *Group) displayName() string {
	if g.name == "" {
		return "(root)"
	}
	return g.name
}

// Group returns the child group of that name, creating it if it does not
// exist or if the existing one has been cancelled (a cancelled group stays
// cancelled; asking again gives a fresh one, e.g. for a restarted service).
// A name is not empty and holds no "/"; a bad name panics, as does asking
// for an existing group with options different from those it was created
// with — both are bugs in the caller.
func (g *Group) Group(name string, opts ...GroupOption) *Group {
	checkName("group", name)
	var o groupOptions
	for _, opt := range opts {
		opt(&o)
	}
	s := g.sup
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := g.children[name]; ok && c.ctx.Err() == nil {
		if len(opts) > 0 && c.failFast != o.failFast {
			panic(fmt.Sprintf("tasks: group %s exists with FailFast=%t; asked for FailFast=%t", c.name, c.failFast, o.failFast))
		}
		return c
	}
	ctx, cancel := context.WithCancelCause(g.ctx)
	c := &Group{
		sup:      s,
		parent:   g,
		name:     join(g.name, name),
		failFast: o.failFast,
		ctx:      ctx,
		cancel:   cancel,
		children: make(map[string]*Group),
	}
	g.children[name] = c
	return c
}

// Go starts a task named name in g: fn runs on its own goroutine with a
// context that is cancelled when g (or an ancestor) is. It returns an error,
// and starts nothing, when the Supervisor is shut down (ErrShutdown), g is
// cancelled (wrapping the cause), or a task of the same full name is
// running (ErrDuplicateTask). A failure of fn (an error other than its own
// cancellation, or a panic) is recorded as the task's *TaskError.
// A bad name or a nil fn panics.
func (g *Group) Go(name string, fn TaskFunc) error {
	checkName("task", name)
	if fn == nil {
		panic("tasks: Go(" + name + ") with a nil function")
	}
	return g.sup.start(g, name, 0, fn)
}

// Every starts a periodic task named name in g: fn runs once every
// interval on the Supervisor's Clock, the first time one interval after
// Every, then one interval after each run ends, until g is cancelled.
// A failing run is recorded and the task goes on, unless the failure
// cancels a fail-fast group that holds it; a failing clock ends the task,
// recorded as its failure (retrying at once would spin). Errors and panics
// are as for Go; an interval of 0 or less panics.
func (g *Group) Every(name string, interval time.Duration, fn TaskFunc) error {
	checkName("task", name)
	if fn == nil {
		panic("tasks: Every(" + name + ") with a nil function")
	}
	if interval <= 0 {
		panic(fmt.Sprintf("tasks: Every(%s) with interval %v: must be positive", name, interval))
	}
	return g.sup.start(g, name, interval, fn)
}

// Cancel cancels g and its subtree without waiting; their tasks see
// context.Cause == an error wrapping ErrCancelled. It is idempotent.
func (g *Group) Cancel() {
	g.cancel(fmt.Errorf("%w: %s", ErrCancelled, g.displayName()))
}

// Stop cancels g and waits for the tasks of its subtree to return, as
// Shutdown does for the whole Supervisor: nil once none is left, or a
// *ShutdownError naming those still running when ctx ended.
func (g *Group) Stop(ctx context.Context) error {
	g.Cancel()
	return g.Wait(ctx)
}

// Wait blocks until no task of g's subtree is running, or ctx ends; then it
// returns a *ShutdownError naming the tasks still running. It cancels
// nothing.
func (g *Group) Wait(ctx context.Context) error {
	s := g.sup
	for {
		s.mu.Lock()
		names, changed := s.runningUnder(g), s.changed
		s.mu.Unlock()
		if len(names) == 0 {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			s.mu.Lock()
			names = s.runningUnder(g)
			s.mu.Unlock()
			if len(names) == 0 {
				return nil
			}
			return &ShutdownError{Group: g.name, Running: names, Err: context.Cause(ctx)}
		}
	}
}

// Err returns nil while g is live, and the cause of its cancellation once
// it is cancelled: ErrShutdown, an error wrapping ErrCancelled, or the
// *TaskError that tripped a fail-fast group.
func (g *Group) Err() error {
	if g.ctx.Err() == nil {
		return nil
	}
	return context.Cause(g.ctx)
}

// Running returns the full names of the running tasks of g's subtree,
// sorted.
func (g *Group) Running() []string {
	g.sup.mu.Lock()
	defer g.sup.mu.Unlock()
	return g.sup.runningUnder(g)
}

// within reports whether g is anc or a descendant of it.
func (g *Group) within(anc *Group) bool {
	for ; g != nil; g = g.parent {
		if g == anc {
			return true
		}
	}
	return false
}

func join(group, name string) string {
	if group == "" {
		return name
	}
	return group + "/" + name
}

func checkName(kind, name string) {
	if name == "" || strings.Contains(name, "/") {
		panic(fmt.Sprintf("tasks: %s name %q: must be non-empty and hold no '/' (names are joined with '/')", kind, name))
	}
}
