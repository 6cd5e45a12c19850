package simclock

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/plugins/internal/simcontrol"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

var args, mustInvoke, waitCtx = plugintest.Args, plugintest.Must, plugintest.WaitCtx

const hourMS = int64(time.Hour / time.Millisecond)

func TestConformance(t *testing.T) {
	t.Parallel()
	id := effects.DeriveAuthorityID("alice", 0)
	sdktest.Conformance(t, New(), sdktest.WithBlockingCall(effects.ClockSleepMS, args("ms", sdk.Int(hourMS))),
		sdktest.WithSample(effects.TimeControlSetSkew, args("authority", sdk.Bytes(id[:]), "offset_ms", sdk.Int(5))),
		sdktest.WithSample(effects.TimeControlSkew, args("authority", sdk.Bytes(id[:]))))
}

func TestSleepEndsWhenVirtualTimeComes(t *testing.T) {
	t.Parallel()
	c := NewClock(0)
	h := sdktest.New(t, NewWithClock(c))
	done := make(chan error, 1)
	go func() {
		_, err := h.Invoke(context.Background(), effects.ClockSleepMS, args("ms", sdk.Int(hourMS)))
		done <- err
	}()
	if err := c.WaitForSleepers(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	if got := mustInvoke(t, h, effects.TimeControlNextDeadline, sdk.Null()); !got.Equal(sdk.Int(hourMS)) {
		t.Fatalf("next_deadline = %v, want %d", got, hourMS)
	}
	if got := mustInvoke(t, h, effects.TimeControlAdvanceTime, args("ms", sdk.Int(hourMS-1))); !got.Equal(sdk.Int(hourMS - 1)) {
		t.Fatalf("advance_time = %v", got)
	}
	if got := mustInvoke(t, h, effects.TimeControlPendingSleepers, sdk.Null()); !got.Equal(sdk.Int(1)) {
		t.Fatalf("a millisecond early, pending_sleepers = %v, want 1", got)
	}
	select {
	case err := <-done:
		t.Fatalf("the sleep ended a millisecond early: %v", err)
	default:
	}
	mustInvoke(t, h, effects.TimeControlAdvanceTime, args("ms", sdk.Int(1)))
	if err := <-done; err != nil {
		t.Fatalf("the hour-long sleep returned %v", err)
	}
	plugintest.Run(t, h, []plugintest.Step{
		{Op: effects.TimeControlPendingSleepers, Args: sdk.Null(), Want: sdk.Int(0)},
		{Op: effects.TimeControlNextDeadline, Args: sdk.Null(), Want: sdk.Null()},
		{Op: effects.TimeControlNow, Args: sdk.Null(), Want: sdk.Int(hourMS)},
		{Op: effects.ClockPhysicalTime, Args: sdk.Null(), Want: args("ms", sdk.Int(hourMS), "uncertainty_ms", sdk.Int(0))},
	})
}

func TestCancelledSleepLeavesNoSleeper(t *testing.T) {
	t.Parallel()
	c := NewClock(0)
	h := sdktest.New(t, NewWithClock(c))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := h.Invoke(ctx, effects.ClockSleepMS, args("ms", sdk.Int(5)))
		done <- err
	}()
	if err := c.WaitForSleepers(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, effects.ErrCancelled) {
		t.Fatalf("cancelled sleep returned %v", err)
	}
	if _, err := c.waitPending(waitCtx(t), func(n int) bool { return n == 0 }); err != nil {
		t.Fatalf("the cancelled sleeper stayed pending: %v", err)
	}
	if _, ok := c.NextDeadline(); ok {
		t.Fatal("a deadline is left after the only sleep was cancelled")
	}
}

func TestSharedClockAcrossInstances(t *testing.T) {
	t.Parallel()
	c := NewClock(0)
	alice := sdktest.New(t, NewWithClock(c), sdktest.WithAuthority(effects.DeriveAuthorityID("alice", 0)))
	bob := sdktest.New(t, NewWithClock(c), sdktest.WithAuthority(effects.DeriveAuthorityID("bob", 0)))
	done := make(chan error, 1)
	go func() {
		_, err := alice.Invoke(context.Background(), effects.ClockSleepMS, args("ms", sdk.Int(10)))
		done <- err
	}()
	if err := c.WaitForSleepers(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	// bob lives on the shared clock: he may not move it (simcontrol); the
	// simulator, calling with no authority, may.
	if _, err := bob.Invoke(context.Background(), effects.TimeControlAdvanceTime, args("ms", sdk.Int(10))); !errors.Is(err, effects.ErrDenied) {
		t.Fatalf("an agent advancing the shared clock: %v, want denied", err)
	}
	mustInvoke(t, sdktest.New(t, NewWithClock(c)), effects.TimeControlAdvanceTime, args("ms", sdk.Int(10)))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ta := mustInvoke(t, alice, effects.ClockOrderTime, sdk.Null())
	tb := mustInvoke(t, bob, effects.ClockOrderTime, sdk.Null())
	if ta.BytesString()[:16] != tb.BytesString()[:16] || ta.Equal(tb) {
		t.Fatalf("tokens of one virtual millisecond: %v, %v", ta, tb)
	}
}

func TestTimeControl(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, New(), sdktest.WithConfig(args("start_ms", sdk.Int(1000), "uncertainty_ms", sdk.Int(3))))
	plugintest.Run(t, h, []plugintest.Step{
		{Op: effects.TimeControlNow, Args: sdk.Null(), Want: sdk.Int(1000)},
		{Op: effects.ClockPhysicalTime, Args: sdk.Null(), Want: args("ms", sdk.Int(1000), "uncertainty_ms", sdk.Int(3))},
		{Op: effects.TimeControlAdvanceTime, Args: args("ms", sdk.Int(0)), Want: sdk.Int(1000)},
		{Op: effects.TimeControlAdvanceTime, Args: args("ms", sdk.Int(-1)), Code: sdk.CodeInvalidArgs},
		{Op: effects.TimeControlSetTime, Args: args("ms", sdk.Int(1500)), Want: sdk.Int(1500)},
		{Op: effects.TimeControlSetTime, Args: args("ms", sdk.Int(1500)), Want: sdk.Int(1500)},
		{Op: effects.TimeControlSetTime, Args: args("ms", sdk.Int(1499)), Code: sdk.CodeConflict},
		{Op: effects.TimeControlAdvanceTime, Args: args("ms", sdk.Int(1<<62)), Want: sdk.Int(1500 + 1<<62)},
		{Op: effects.TimeControlAdvanceTime, Args: args("ms", sdk.Int(1<<62)), Code: sdk.CodeInvalidArgs}, // overflow
		{Op: effects.ClockSleepMS, Args: args("ms", sdk.Int(0)), Want: sdk.Null()},
		{Op: effects.ClockSleepMS, Args: args("ms", sdk.Int(-1)), Code: sdk.CodeInvalidArgs},
		{Op: effects.ClockLogicalNow, Args: sdk.Null(), Want: sdk.Uint(0)},
		{Op: effects.ClockLogicalAdvance, Args: args("observed", sdk.Uint(10)), Want: sdk.Uint(11)},
		{Op: effects.ClockLogicalAdvance, Args: args("observed", sdk.Uint(3)), Want: sdk.Uint(12)},
	})
}

func TestConfigureErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		values sdk.Value
		path   string
	}{
		{args("uncertainty_ms", sdk.Int(-1)), "uncertainty_ms"},
		{args("start_ms", sdk.Int(-1)), "start_ms"},
	} {
		s := &simClock{clock: NewClock(0), control: simcontrol.NewOwner(true)}
		err := s.configure(context.Background(), &sdk.Configuration{Values: tc.values})
		var ce *sdk.ConfigError
		if !errors.As(err, &ce) || len(ce.Path) != 1 || ce.Path[0] != tc.path {
			t.Errorf("%v: got %v, want a config error on %s", tc.values, err, tc.path)
		}
	}
}

// script is one simulated run: sleeps started and woken by advances, with
// order_time tokens and times read along the way.
func script(t *testing.T) []sdk.Value {
	c := NewClock(0)
	h := sdktest.New(t, NewWithClock(c), sdktest.WithAuthority(effects.DeriveAuthorityID("a", 1)))
	sim := sdktest.New(t, NewWithClock(c)) // the simulator: no authority
	var out []sdk.Value
	for i, ms := range []int64{7, 3, 3, 12} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			mustInvoke(t, h, effects.ClockSleepMS, args("ms", sdk.Int(ms)))
		}()
		if err := c.WaitForSleepers(waitCtx(t), 1); err != nil {
			t.Fatal(err)
		}
		out = append(out, mustInvoke(t, sim, effects.TimeControlNextDeadline, sdk.Null()))
		d, _ := c.NextDeadline()
		out = append(out, mustInvoke(t, sim, effects.TimeControlSetTime, args("ms", sdk.Int(d))))
		<-done
		out = append(out, mustInvoke(t, h, effects.ClockOrderTime, sdk.Null()), mustInvoke(t, h, effects.ClockOrderTime, sdk.Null()))
		out = append(out, mustInvoke(t, h, effects.ClockLogicalAdvance, args("observed", sdk.Uint(uint64(i)))))
	}
	return out
}

func TestSameScriptSameOutputs(t *testing.T) {
	t.Parallel()
	a, b := script(t), script(t)
	if !slices.EqualFunc(a, b, sdk.Value.Equal) {
		t.Fatalf("two runs differ:\n%v\n%v", a, b)
	}
	if want := sdk.Int(25); !a[len(a)-4].Equal(want) {
		t.Fatalf("the script ended at %v, want %v", a[len(a)-4], want)
	}
}

// TestSharedInstanceKeepsLogicalTimePerAuthority calls one instance, as a
// host sharing it between agents does, for two authorities: each has its
// own Lamport clock, and its tokens end with its own authority.
func TestSharedInstanceKeepsLogicalTimePerAuthority(t *testing.T) {
	t.Parallel()
	p := New()
	if err := p.Configure(context.Background(), &sdk.Configuration{Values: sdk.Map(nil)}); err != nil {
		t.Fatal(err)
	}
	handle := map[sdk.OpID]func(context.Context, *sdk.Call) (sdk.Value, error){}
	for _, op := range p.Operations {
		handle[op.Spec.ID] = op.Handle
	}
	call := func(a sdk.AuthorityID, op sdk.OpID, args sdk.Value) sdk.Value {
		v, err := handle[op](context.Background(), &sdk.Call{Op: op, Args: args, Authority: a})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	alice, bob := effects.DeriveAuthorityID("alice", 0), effects.DeriveAuthorityID("bob", 0)
	call(alice, effects.ClockLogicalAdvance, args("observed", sdk.Uint(41)))
	if got := call(bob, effects.ClockLogicalNow, sdk.Null()); !got.Equal(sdk.Uint(0)) {
		t.Fatalf("bob's Lamport clock moved with alice's: %v", got)
	}
	if got := call(alice, effects.ClockLogicalNow, sdk.Null()); !got.Equal(sdk.Uint(42)) {
		t.Fatalf("alice's Lamport clock = %v, want 42", got)
	}
	ta, tb := call(alice, effects.ClockOrderTime, sdk.Null()), call(bob, effects.ClockOrderTime, sdk.Null())
	if ta.BytesString()[16:] != string(alice[:]) || tb.BytesString()[16:] != string(bob[:]) {
		t.Fatalf("tokens do not end with their caller's authority: %v, %v", ta, tb)
	}
}

func TestWaitForSleepers(t *testing.T) {
	t.Parallel()
	c := NewClock(0)
	alice := sdktest.New(t, NewWithClock(c), sdktest.WithAuthority(effects.DeriveAuthorityID("alice", 0)))
	bob := sdktest.New(t, NewWithClock(c), sdktest.WithAuthority(effects.DeriveAuthorityID("bob", 0)))
	sim := sdktest.New(t, NewWithClock(c)) // the simulator: no authority
	plugintest.Run(t, sim, []plugintest.Step{
		{Op: effects.TimeControlWaitForSleepers, Args: args("n", sdk.Int(0)), Want: sdk.Int(0)},
		{Op: effects.TimeControlWaitForSleepers, Args: args("n", sdk.Int(-1)), Code: sdk.CodeInvalidArgs},
	})

	waited := make(chan sdk.Value, 1)
	go func() { waited <- invokeInGoroutine(sim, effects.TimeControlWaitForSleepers, args("n", sdk.Int(2))) }()
	slept := make(chan error, 2)
	sleep := func(h *sdktest.Harness, ms int64) {
		_, err := h.Invoke(context.Background(), effects.ClockSleepMS, args("ms", sdk.Int(ms)))
		slept <- err
	}
	go sleep(alice, 10)
	if err := c.WaitForSleepers(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	select {
	case v := <-waited:
		t.Fatalf("wait_for_sleepers(2) returned %v with one sleeper", v)
	default:
	}
	go sleep(bob, 20) // sleeps of every instance on the clock count
	if got := <-waited; !got.Equal(sdk.Int(2)) {
		t.Fatalf("wait_for_sleepers(2) = %v", got)
	}
	// Already reached: it returns at once, with the pending count.
	if got := mustInvoke(t, sim, effects.TimeControlWaitForSleepers, args("n", sdk.Int(1))); !got.Equal(sdk.Int(2)) {
		t.Fatalf("wait_for_sleepers(1) with two sleepers = %v", got)
	}
	mustInvoke(t, sim, effects.TimeControlSetTime, args("ms", sdk.Int(20)))
	for range 2 {
		if err := <-slept; err != nil {
			t.Fatal(err)
		}
	}

	// Cancelled before the count is reached, it returns cancelled.
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan error, 1)
	go func() {
		_, err := sim.Invoke(ctx, effects.TimeControlWaitForSleepers, args("n", sdk.Int(1)))
		cancelled <- err
	}()
	cancel()
	if err := <-cancelled; !errors.Is(err, effects.ErrCancelled) {
		t.Fatalf("cancelled wait_for_sleepers returned %v", err)
	}
}

// TestSimulatorStepsAProtocolWithoutPolling runs a protocol — a retry loop
// with a backoff and a final timeout — in its own goroutine, and steps it
// the way doc.go tells simulator authors to: wait until it sleeps, jump to
// the next deadline, until it finishes. No real time passes and nothing
// polls.
func TestSimulatorStepsAProtocolWithoutPolling(t *testing.T) {
	t.Parallel()
	c := NewClock(0)
	h := sdktest.New(t, NewWithClock(c))
	now := func() int64 { v, _ := mustInvoke(t, h, effects.TimeControlNow, sdk.Null()).AsInt(); return v }
	var woke []int64 // written by the protocol, read after it finishes
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for _, ms := range []int64{100, 200, 400, hourMS} {
			if _, err := h.Invoke(context.Background(), effects.ClockSleepMS, args("ms", sdk.Int(ms))); err != nil {
				t.Error(err)
				return
			}
			v, _ := invokeInGoroutine(h, effects.ClockPhysicalTime, sdk.Null()).Get("ms")
			ms, _ := v.AsInt()
			woke = append(woke, ms)
		}
	}()
	steps := 0
	for {
		ctx, cancel := context.WithCancel(waitCtx(t))
		blocked := make(chan error, 1)
		go func() {
			_, err := h.Invoke(ctx, effects.TimeControlWaitForSleepers, args("n", sdk.Int(1)))
			blocked <- err
		}()
		select {
		case <-finished:
			cancel()
			<-blocked
		case err := <-blocked:
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			d := mustInvoke(t, h, effects.TimeControlNextDeadline, sdk.Null())
			mustInvoke(t, h, effects.TimeControlSetTime, args("ms", d))
			steps++
			continue
		}
		break
	}
	want := []int64{100, 300, 700, 700 + hourMS}
	if steps != 4 || !slices.Equal(woke, want) || now() != 700+hourMS {
		t.Fatalf("%d steps, the protocol woke at %v (want %v), the clock reads %d", steps, woke, want, now())
	}
}

// invokeInGoroutine calls op from a goroutine other than the test's, where
// t.Fatal may not be called: a failure yields the error's text, which no
// test expects.
func invokeInGoroutine(h *sdktest.Harness, op sdk.OpID, a sdk.Value) sdk.Value {
	v, err := h.Invoke(context.Background(), op, a)
	if err != nil {
		return sdk.String(err.Error())
	}
	return v
}
