package tasks_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/tasks"
)

func newSupervisor(t *testing.T) (*tasks.Supervisor, *tasks.ManualClock) {
	t.Helper()
	clock := tasks.NewManualClock(t0)
	s := tasks.New(tasks.Config{Clock: clock})
	t.Cleanup(func() {
		if err := s.Shutdown(waitCtx(t)); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return s, clock
}

func mustStart(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantRunning(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("running %q, want %q", got, want)
	}
}

// exit is how a task reports that it saw its cancellation.
type exit struct {
	task  string
	cause error
}

// untilCancelled is a well-behaved task: it waits for its context and
// reports the cause.
func untilCancelled(exits chan<- exit) tasks.TaskFunc {
	return func(ctx context.Context) error {
		<-ctx.Done()
		name, _ := tasks.TaskName(ctx)
		exits <- exit{name, context.Cause(ctx)}
		return ctx.Err()
	}
}

func TestCancellingAGroupCancelsItsSubtreeOnly(t *testing.T) {
	noLeaks(t)
	s, _ := newSupervisor(t)
	exits := make(chan exit, 8)

	agent := s.Group("agent")
	sync := agent.Group("sync")
	antiEntropy := sync.Group("anti-entropy")
	network := agent.Group("net")
	if got := antiEntropy.Name(); got != "agent/sync/anti-entropy" {
		t.Fatalf("Name() = %q, want agent/sync/anti-entropy", got)
	}
	if s.Group("agent") != agent || agent.Group("sync") != sync {
		t.Fatal("asking again for a live group gave a different one")
	}

	mustStart(t, sync.Go("pull", untilCancelled(exits)))
	mustStart(t, antiEntropy.Go("round", untilCancelled(exits)))
	mustStart(t, network.Go("listen", untilCancelled(exits)))
	mustStart(t, s.Go("top", untilCancelled(exits)))
	wantRunning(t, s.Running(), "agent/net/listen", "agent/sync/anti-entropy/round", "agent/sync/pull", "top")
	wantRunning(t, sync.Running(), "agent/sync/anti-entropy/round", "agent/sync/pull")

	if err := sync.Stop(waitCtx(t)); err != nil {
		t.Fatalf("sync.Stop: %v", err)
	}
	wantRunning(t, s.Running(), "agent/net/listen", "top")
	got := []exit{<-exits, <-exits}
	slices.SortFunc(got, func(a, b exit) int { return strings.Compare(a.task, b.task) })
	for i, name := range []string{"agent/sync/anti-entropy/round", "agent/sync/pull"} {
		if got[i].task != name || !errors.Is(got[i].cause, tasks.ErrCancelled) {
			t.Errorf("exit %d = %s with cause %v; want %s with ErrCancelled", i, got[i].task, got[i].cause, name)
		}
	}
	for _, g := range []*tasks.Group{sync, antiEntropy} {
		if !errors.Is(g.Err(), tasks.ErrCancelled) {
			t.Errorf("%s.Err() = %v, want ErrCancelled", g.Name(), g.Err())
		}
	}
	if network.Err() != nil || agent.Err() != nil {
		t.Fatalf("cancelling agent/sync reached its parent or sibling: agent %v, net %v", agent.Err(), network.Err())
	}

	// A cancelled group refuses tasks; asking for it again gives a fresh one.
	if err := antiEntropy.Go("late", untilCancelled(exits)); !errors.Is(err, tasks.ErrCancelled) {
		t.Fatalf("Go in a cancelled group = %v, want ErrCancelled", err)
	}
	fresh := agent.Group("sync")
	if fresh == sync || fresh.Err() != nil {
		t.Fatal("Group after cancellation did not give a fresh live group")
	}
	mustStart(t, fresh.Go("pull", untilCancelled(exits)))

	if err := agent.Stop(waitCtx(t)); err != nil {
		t.Fatalf("agent.Stop: %v", err)
	}
	<-exits
	<-exits
	wantRunning(t, s.Running(), "top")
	if err := s.Shutdown(waitCtx(t)); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if e := <-exits; e.task != "top" || !errors.Is(e.cause, tasks.ErrShutdown) {
		t.Fatalf("top exited %+v, want cause ErrShutdown", e)
	}
	for _, st := range s.Tasks() {
		if st.Running || st.Failures != 0 || st.Runs != 1 {
			t.Errorf("status %+v: want finished, one run, no failure (cancellation is not a failure)", st)
		}
	}
}

func TestPeriodicTaskRunsOncePerInterval(t *testing.T) {
	noLeaks(t)
	const n = 5
	s, clock := newSupervisor(t)
	runs := make(chan time.Time)
	mustStart(t, s.Group("agent").Every("tick", time.Second, func(ctx context.Context) error {
		runs <- clock.Now()
		return nil
	}))

	for i := 1; i <= n; i++ {
		if err := clock.WaitForSleepers(waitCtx(t), 1); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
		if at := <-runs; !at.Equal(t0.Add(time.Duration(i) * time.Second)) {
			t.Fatalf("run %d at %v, want %v", i, at, t0.Add(time.Duration(i)*time.Second))
		}
	}
	// Asleep again, and time has not moved: no further run can be pending.
	if err := clock.WaitForSleepers(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	select {
	case at := <-runs:
		t.Fatalf("an extra run at %v", at)
	default:
	}
	st, ok := s.Status("agent/tick")
	if !ok || st.Runs != n || st.Interval != time.Second || !st.Running {
		t.Fatalf("Status(agent/tick) = %+v, %t; want %d runs, running", st, ok, n)
	}
	if next, _ := clock.NextDeadline(); !next.Equal(t0.Add((n + 1) * time.Second)) {
		t.Fatalf("next run scheduled at %v, want %v", next, t0.Add((n+1)*time.Second))
	}

	// Less than an interval: nothing runs.
	clock.Advance(999 * time.Millisecond)
	if err := s.Shutdown(waitCtx(t)); err != nil {
		t.Fatal(err)
	}
	select {
	case at := <-runs:
		t.Fatalf("a run at %v before its interval", at)
	default:
	}
	if got := clock.Pending(); got != 0 {
		t.Fatalf("a cancelled periodic task left %d sleeps", got)
	}
}

func TestPeriodicTaskRecordsFailingRunsAndGoesOn(t *testing.T) {
	noLeaks(t)
	var reported []*tasks.TaskError
	var mu sync.Mutex
	clock := tasks.NewManualClock(t0)
	s := tasks.New(tasks.Config{Clock: clock, OnError: func(err *tasks.TaskError) {
		mu.Lock()
		defer mu.Unlock()
		reported = append(reported, err)
	}})
	defer s.Shutdown(waitCtx(t))
	ran := make(chan int)
	count := 0
	mustStart(t, s.Every("flaky", time.Minute, func(context.Context) error {
		count++
		ran <- count
		return fmt.Errorf("attempt %d failed", count)
	}))
	for range 3 {
		if err := clock.WaitForSleepers(waitCtx(t), 1); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		<-ran
	}
	if err := clock.WaitForSleepers(waitCtx(t), 1); err != nil { // the third run is recorded
		t.Fatal(err)
	}
	st, _ := s.Status("flaky")
	if st.Runs != 3 || st.Failures != 3 || !st.Running {
		t.Fatalf("status %+v: want 3 runs, 3 failures, still running", st)
	}
	var te *tasks.TaskError
	if err := s.Err("flaky"); !errors.As(err, &te) || te.Task != "flaky" || te.Err.Error() != "attempt 3 failed" {
		t.Fatalf("Err(flaky) = %v, want the latest failure as a *TaskError", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reported) != 3 {
		t.Fatalf("OnError called %d times, want 3", len(reported))
	}
}

func TestShutdownNamesTheTasksStillRunning(t *testing.T) {
	noLeaks(t)
	s := tasks.New(tasks.Config{Clock: tasks.NewManualClock(t0)})
	exits := make(chan exit, 1)
	release := make(chan struct{})
	started := make(chan struct{})
	mustStart(t, s.Group("agent").Group("sync").Go("stubborn", func(context.Context) error {
		close(started)
		<-release // ignores its context
		return nil
	}))
	network := s.Group("agent").Group("net")
	mustStart(t, network.Go("polite", untilCancelled(exits)))
	<-started

	ctx, cancel := context.WithCancel(t.Context())
	result := make(chan error, 1)
	go func() { result <- s.Shutdown(ctx) }()
	// The polite task stops on its own; Wait cancels nothing, it only
	// tells us when it has gone.
	if err := network.Wait(waitCtx(t)); err != nil {
		t.Fatal(err)
	}
	if e := <-exits; !errors.Is(e.cause, tasks.ErrShutdown) {
		t.Fatalf("polite task's cause = %v, want ErrShutdown", e.cause)
	}
	cancel() // the shutdown's deadline, reached

	err := <-result
	var se *tasks.ShutdownError
	if !errors.As(err, &se) {
		t.Fatalf("Shutdown = %v, want a *ShutdownError", err)
	}
	wantRunning(t, se.Running, "agent/sync/stubborn")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown error %v does not wrap the context's cause", err)
	}
	want := "task supervisor: 1 task still running at the deadline: agent/sync/stubborn: context canceled"
	if err.Error() != want {
		t.Fatalf("error text\n got %q\nwant %q", err.Error(), want)
	}

	// Idempotent: the same result, without waiting again.
	if again := s.Shutdown(t.Context()); again != err {
		t.Fatalf("second Shutdown = %v, want the first result %v", again, err)
	}
	if err := s.Go("late", untilCancelled(exits)); !errors.Is(err, tasks.ErrShutdown) {
		t.Fatalf("Go after Shutdown = %v, want ErrShutdown", err)
	}

	close(release)
	if err := s.Wait(waitCtx(t)); err != nil {
		t.Fatalf("Wait for the straggler: %v", err)
	}
	wantRunning(t, s.Running())
}

func TestShutdownWithAPassedDeadline(t *testing.T) {
	noLeaks(t)
	s := tasks.New(tasks.Config{Clock: tasks.NewManualClock(t0)})
	release := make(chan struct{})
	mustStart(t, s.Group("svc").Go("stuck", func(context.Context) error { <-release; return nil }))

	ctx, cancel := context.WithDeadline(t.Context(), time.Unix(0, 0))
	defer cancel()
	err := s.Shutdown(ctx)
	var se *tasks.ShutdownError
	if !errors.As(err, &se) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want a *ShutdownError wrapping DeadlineExceeded", err)
	}
	wantRunning(t, se.Running, "svc/stuck")
	close(release)
	if err := s.Wait(waitCtx(t)); err != nil {
		t.Fatal(err)
	}
}

func TestShutdownIsIdempotent(t *testing.T) {
	noLeaks(t)
	s := tasks.New(tasks.Config{Clock: tasks.NewManualClock(t0)})
	exits := make(chan exit, 2)
	mustStart(t, s.Go("a", untilCancelled(exits)))
	mustStart(t, s.Group("g").Every("b", time.Second, func(context.Context) error { return nil }))

	results := make(chan error, 4)
	for range cap(results) {
		go func() { results <- s.Shutdown(waitCtx(t)) }()
	}
	for range cap(results) {
		if err := <-results; err != nil {
			t.Fatalf("Shutdown = %v, want nil", err)
		}
	}
	if err := s.Shutdown(t.Context()); err != nil {
		t.Fatalf("Shutdown after Shutdown = %v, want nil", err)
	}
	wantRunning(t, s.Running())
}

func TestFailFastGroupCancelsItsSubtreeOnFailure(t *testing.T) {
	noLeaks(t)
	s, _ := newSupervisor(t)
	exits := make(chan exit, 4)
	boom := errors.New("boom")

	ff := s.Group("sync", tasks.FailFast())
	child := ff.Group("peers")
	other := s.Group("other")
	mustStart(t, ff.Go("waiter", untilCancelled(exits)))
	mustStart(t, other.Go("bystander", untilCancelled(exits)))
	mustStart(t, child.Go("boom", func(context.Context) error { return boom }))

	e := <-exits
	var te *tasks.TaskError
	if e.task != "sync/waiter" || !errors.As(e.cause, &te) || te.Task != "sync/peers/boom" || !errors.Is(e.cause, boom) {
		t.Fatalf("exit %+v: want sync/waiter cancelled by sync/peers/boom's failure", e)
	}
	if err := ff.Wait(waitCtx(t)); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(ff.Err(), boom) || !errors.Is(child.Err(), boom) {
		t.Fatalf("Err() = %v / %v, want the failure as cause", ff.Err(), child.Err())
	}
	if other.Err() != nil {
		t.Fatalf("a failure in sync cancelled other: %v", other.Err())
	}
	wantRunning(t, s.Running(), "other/bystander")
	if err := s.Err("sync/peers/boom"); !errors.Is(err, boom) {
		t.Fatalf("Err(sync/peers/boom) = %v, want boom", err)
	}
	if err := s.Err("sync/waiter"); err != nil {
		t.Fatalf("Err(sync/waiter) = %v; its cancellation is not a failure", err)
	}

	// A group that is not fail-fast keeps going when a task fails.
	sub := other.Group("sub")
	mustStart(t, sub.Go("fails", func(context.Context) error { return boom }))
	if err := sub.Wait(waitCtx(t)); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(s.Err("other/sub/fails"), boom) || other.Err() != nil || sub.Err() != nil {
		t.Fatalf("failure in a plain group: recorded %v, groups cancelled %v / %v", s.Err("other/sub/fails"), other.Err(), sub.Err())
	}
	wantRunning(t, s.Running(), "other/bystander")
}

func TestTaskErrorsAreRecordedPerTask(t *testing.T) {
	noLeaks(t)
	s, _ := newSupervisor(t)
	boom := errors.New("boom")
	cancelled := effects.Errorf(effects.CodeCancelled, "call cancelled")
	tests := []struct {
		name    string
		fn      tasks.TaskFunc
		wantErr error // nil: no failure recorded
	}{
		{"ok", func(context.Context) error { return nil }, nil},
		{"fails", func(context.Context) error { return fmt.Errorf("sync: %w", boom) }, boom},
		{"panics", func(context.Context) error { panic("kaboom") }, &tasks.PanicError{}},
		{"panics-with-error", func(context.Context) error { panic(boom) }, boom},
		// Cancellation reported by an effect call is still cancellation,
		// but only once the task's own context is cancelled.
		{"effect-cancelled-uncancelled", func(context.Context) error { return cancelled }, effects.ErrCancelled},
	}
	g := s.Group("g")
	for _, tc := range tests {
		mustStart(t, g.Go(tc.name, tc.fn))
	}
	if err := g.Wait(waitCtx(t)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		err := s.Err("g/" + tc.name)
		switch want := tc.wantErr.(type) {
		case nil:
			if err != nil {
				t.Errorf("%s: Err = %v, want nil", tc.name, err)
			}
		case *tasks.PanicError:
			var pe *tasks.PanicError
			if !errors.As(err, &pe) || pe.Value != "kaboom" || len(pe.Stack) == 0 {
				t.Errorf("%s: Err = %v, want a *PanicError with value and stack", tc.name, err)
			}
		default:
			if !errors.Is(err, want) {
				t.Errorf("%s: Err = %v, want %v", tc.name, err, want)
			}
		}
	}

	// After cancellation, an effect's cancelled error is not a failure, but
	// any other error still is.
	h := s.Group("h")
	mustStart(t, h.Go("cancelled", func(ctx context.Context) error { <-ctx.Done(); return cancelled }))
	mustStart(t, h.Go("fails-late", func(ctx context.Context) error { <-ctx.Done(); return boom }))
	if err := h.Stop(waitCtx(t)); err != nil {
		t.Fatal(err)
	}
	if err := s.Err("h/cancelled"); err != nil {
		t.Errorf("h/cancelled: Err = %v, want nil", err)
	}
	if err := s.Err("h/fails-late"); !errors.Is(err, boom) {
		t.Errorf("h/fails-late: Err = %v, want boom", err)
	}
	if _, ok := s.Status("never"); ok || s.Err("never") != nil {
		t.Error("an unknown task has a status")
	}
}

func TestTaskNamesAreUniqueWhileRunning(t *testing.T) {
	noLeaks(t)
	s, _ := newSupervisor(t)
	exits := make(chan exit, 2)
	g := s.Group("g")
	mustStart(t, g.Go("x", untilCancelled(exits)))
	if err := g.Go("x", untilCancelled(exits)); !errors.Is(err, tasks.ErrDuplicateTask) {
		t.Fatalf("second g/x = %v, want ErrDuplicateTask", err)
	}
	if err := g.Every("x", time.Second, untilCancelled(exits)); !errors.Is(err, tasks.ErrDuplicateTask) {
		t.Fatalf("periodic g/x = %v, want ErrDuplicateTask", err)
	}
	mustStart(t, s.Go("x", untilCancelled(exits))) // another full name
	if err := g.Stop(waitCtx(t)); err != nil {
		t.Fatal(err)
	}
	<-exits
	mustStart(t, s.Group("g").Go("x", func(context.Context) error { return nil }))
}

func TestProgrammerErrorsPanic(t *testing.T) {
	s, _ := newSupervisor(t)
	noop := func(context.Context) error { return nil }
	mustPanic(t, `Go("a/b")`, func() { _ = s.Go("a/b", noop) })
	mustPanic(t, `Go("")`, func() { _ = s.Go("", noop) })
	mustPanic(t, `Group("")`, func() { s.Group("") })
	mustPanic(t, "Go with nil fn", func() { _ = s.Go("x", nil) })
	mustPanic(t, "Every(0)", func() { _ = s.Every("x", 0, noop) })
	plain := s.Group("plain")
	mustPanic(t, "Group with other options", func() { s.Group("plain", tasks.FailFast()) })
	if s.Group("plain") != plain {
		t.Fatal("looking a group up without options gave another group")
	}
}
