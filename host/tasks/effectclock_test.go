package tasks_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/tasks"
)

// fakeTime answers the clock effect the way the sim-clock plugin does,
// over a ManualClock in virtual milliseconds from 0, and records the calls.
type fakeTime struct {
	virtual *tasks.ManualClock

	mu    sync.Mutex
	calls []effects.Call
	fail  map[effects.OpID]error // operations that fail, with what
	reply map[effects.OpID]effects.Value
}

func newFakeTime() *fakeTime {
	return &fakeTime{virtual: tasks.NewManualClock(time.UnixMilli(0))}
}

func (f *fakeTime) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	f.mu.Lock()
	f.calls = append(f.calls, *call)
	err, reply := f.fail[call.Op], f.reply[call.Op]
	f.mu.Unlock()
	if err != nil {
		return effects.Null(), err
	}
	if !reply.IsNull() {
		return reply, nil
	}
	switch call.Op.Operation() {
	case "physical_time":
		return effects.Map(map[string]effects.Value{
			"ms":             effects.Int(f.virtual.Now().UnixMilli()),
			"uncertainty_ms": effects.Int(3),
		}), nil
	case "sleep_ms":
		ms, ok := call.Arg("ms").AsInt()
		if !ok || ms < 0 {
			return effects.Null(), effects.Errorf(effects.CodeInvalidArgs, "ms must be an int >= 0, got %v", call.Arg("ms"))
		}
		if err := f.virtual.Sleep(ctx, time.Duration(ms)*time.Millisecond); err != nil {
			return effects.Null(), effects.AsError(err) // as a plugin reports it: a typed cancelled error
		}
		return effects.Null(), nil
	}
	return effects.Null(), &effects.Error{Code: effects.CodeUnknownOp, Op: call.Op}
}

func (f *fakeTime) set(op effects.OpID, err error, reply effects.Value) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail == nil {
		f.fail, f.reply = map[effects.OpID]error{}, map[effects.OpID]effects.Value{}
	}
	f.fail[op], f.reply[op] = err, reply
}

func (f *fakeTime) lastCall() effects.Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[len(f.calls)-1]
}

func TestEffectClockReadsPhysicalTime(t *testing.T) {
	fake := newFakeTime()
	authority := effects.DeriveAuthorityID("alice", 7)
	c := tasks.NewEffectClock(tasks.EffectClockConfig{Handler: fake, Authority: authority})

	if got := c.Now(); !got.Equal(time.UnixMilli(0)) {
		t.Fatalf("Now() = %v, want the virtual epoch", got)
	}
	fake.virtual.Advance(1500 * time.Millisecond)
	pt, err := c.PhysicalTime(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !pt.At.Equal(time.UnixMilli(1500)) || pt.Uncertainty != 3*time.Millisecond {
		t.Fatalf("PhysicalTime = %+v, want 1500 ms ± 3 ms", pt)
	}
	if call := fake.lastCall(); call.Op != effects.ClockPhysicalTime || call.Authority != authority {
		t.Fatalf("call %s for %v, want %s for %v", call.Op, call.Authority, effects.ClockPhysicalTime, authority)
	}

	// A failing read: PhysicalTime reports it, Now falls back to the latest
	// good reading.
	fake.set(effects.ClockPhysicalTime, effects.ErrUnavailable, effects.Null())
	if _, err := c.PhysicalTime(t.Context()); !errors.Is(err, effects.ErrUnavailable) {
		t.Fatalf("PhysicalTime with the clock down = %v, want ErrUnavailable", err)
	}
	if got := c.Now(); !got.Equal(time.UnixMilli(1500)) {
		t.Fatalf("Now() with the clock down = %v, want the latest reading", got)
	}

	for _, bad := range []effects.Value{
		effects.Int(5),
		effects.Map(map[string]effects.Value{"ms": effects.String("soon"), "uncertainty_ms": effects.Int(0)}),
		effects.Map(map[string]effects.Value{"ms": effects.Int(5)}),
		effects.Map(map[string]effects.Value{"ms": effects.Int(5), "uncertainty_ms": effects.Int(-1)}),
	} {
		fake.set(effects.ClockPhysicalTime, nil, bad)
		if _, err := c.PhysicalTime(t.Context()); err == nil {
			t.Errorf("PhysicalTime accepted the result %v", bad)
		}
	}
}

func TestEffectClockSleepsThroughTheEffect(t *testing.T) {
	noLeaks(t)
	fake := newFakeTime()
	c := tasks.NewEffectClock(tasks.EffectClockConfig{Handler: fake})

	done := make(chan error, 1)
	go func() { done <- c.Sleep(t.Context(), 1500*time.Microsecond) }()
	if err := fake.virtual.WaitForSleepers(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	call := fake.lastCall()
	if ms, _ := call.Arg("ms").AsInt(); call.Op != effects.ClockSleepMS || ms != 2 {
		t.Fatalf("call %s(ms=%v), want %s(ms=2): rounded up, never early", call.Op, call.Arg("ms"), effects.ClockSleepMS)
	}
	fake.virtual.Advance(2 * time.Millisecond)
	if err := <-done; err != nil {
		t.Fatalf("Sleep = %v, want nil", err)
	}

	// Cancelled: the caller's own error, not the handler's typed one.
	ctx, cancel := context.WithCancel(t.Context())
	go func() { done <- c.Sleep(ctx, time.Hour) }()
	if err := fake.virtual.WaitForSleepers(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("cancelled Sleep = %v, want context.Canceled itself", err)
	}

	// A failing clock is the clock's error.
	fake.set(effects.ClockSleepMS, effects.ErrUnavailable, effects.Null())
	if err := c.Sleep(t.Context(), time.Second); !errors.Is(err, effects.ErrUnavailable) {
		t.Fatalf("Sleep with the clock down = %v, want ErrUnavailable", err)
	}
	if err := c.Sleep(t.Context(), 0); err != nil {
		t.Fatalf("Sleep(0) = %v, want nil without a call", err)
	}
}

func TestEffectClockUsesConfiguredOperations(t *testing.T) {
	fake := newFakeTime()
	c := tasks.NewEffectClock(tasks.EffectClockConfig{
		Handler:        fake,
		PhysicalTimeOp: effects.MustOpID("time.physical_time"),
		SleepOp:        effects.MustOpID("time.sleep_ms"),
	})
	c.Now()
	if op := fake.lastCall().Op; op != "time.physical_time" {
		t.Fatalf("Now called %s, want time.physical_time", op)
	}
	mustPanic(t, "NewEffectClock without a handler", func() { tasks.NewEffectClock(tasks.EffectClockConfig{}) })
}

func TestPeriodicTaskOnEffectClock(t *testing.T) {
	noLeaks(t)
	const n = 4
	fake := newFakeTime()
	s := tasks.New(tasks.Config{Clock: tasks.NewEffectClock(tasks.EffectClockConfig{Handler: fake})})
	defer s.Shutdown(waitCtx(t))

	runs := make(chan time.Time)
	mustStart(t, s.Group("agent").Group("sync").Every("anti-entropy", 10*time.Second, func(ctx context.Context) error {
		runs <- fake.virtual.Now()
		return nil
	}))
	for i := 1; i <= n; i++ {
		if err := fake.virtual.WaitForSleepers(waitCtx(t), 1); err != nil {
			t.Fatal(err)
		}
		fake.virtual.Advance(10 * time.Second)
		if at, want := <-runs, time.UnixMilli(int64(i)*10_000); !at.Equal(want) {
			t.Fatalf("run %d at virtual %v, want %v", i, at, want)
		}
	}
	if err := fake.virtual.WaitForSleepers(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Status("agent/sync/anti-entropy"); st.Runs != n {
		t.Fatalf("%d runs, want %d", st.Runs, n)
	}
	if err := s.Shutdown(waitCtx(t)); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Status("agent/sync/anti-entropy"); st.Running || st.Failures != 0 {
		t.Fatalf("after Shutdown: %+v, want stopped without failure", st)
	}
}

func TestPeriodicTaskEndsWhenItsClockFails(t *testing.T) {
	noLeaks(t)
	fake := newFakeTime()
	fake.set(effects.ClockSleepMS, effects.ErrUnavailable, effects.Null())
	s := tasks.New(tasks.Config{Clock: tasks.NewEffectClock(tasks.EffectClockConfig{Handler: fake})})
	defer s.Shutdown(waitCtx(t))

	mustStart(t, s.Every("tick", time.Second, func(context.Context) error {
		t.Error("ran without its clock")
		return nil
	}))
	if err := s.Wait(waitCtx(t)); err != nil {
		t.Fatal(err)
	}
	st, _ := s.Status("tick")
	if st.Running || st.Runs != 0 || st.Failures != 1 || !errors.Is(st.LastErr, effects.ErrUnavailable) {
		t.Fatalf("status %+v: want ended with the clock's failure", st)
	}
}
