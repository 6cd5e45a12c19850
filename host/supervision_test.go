package host_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/internal/hosttest"
	"github.com/aurahost/aura-host/host/supervise"
)

// transports are the two paths calls to a plugin take: its data plane
// (what sdk.Serve offers) and InvokeStream (a plugin that offers no data
// plane: the test plugin's serve-stream mode, a built-in served with
// hosttest.NoDataPlaneEnv). The supervision tests that matter run on both.
var transports = []struct{ name, mode string }{{"dataplane", "serve"}, {"stream", "serve-stream"}}

// onTransport is the test deployment with plugin tp served for transport.
func onTransport(t *testing.T, transport string) string {
	t.Helper()
	for _, tr := range transports {
		if tr.name == transport {
			return strings.Replace(testDeployment, `command = "TESTPLUGIN"`, `command = "TESTPLUGIN"
  args = ["`+tr.mode+`"]`, 1)
		}
	}
	t.Fatalf("no transport %q", transport)
	return ""
}

// builtinEnv is the env block that serves a built-in plugin for transport.
func builtinEnv(transport string) string {
	if transport == "stream" {
		return `env = { ` + hosttest.NoDataPlaneEnv + ` = "1" }`
	}
	return ""
}

// startOnTransport is startSupervised of the test deployment on
// transport, checked to be on it.
func startOnTransport(t *testing.T, transport string, policy host.Policy) (*host.Host, *events) {
	t.Helper()
	h, ev := startSupervised(t, onTransport(t, transport), map[string]host.Policy{"tp": policy})
	if got := h.Plugins()[0].Transport; got != transport {
		t.Fatalf("tp's calls travel on %q, want %q", got, transport)
	}
	return h, ev
}

// startSupervised starts a deployment with fast supervision policies and
// an event recorder.
func startSupervised(t *testing.T, src string, policies map[string]host.Policy) (*host.Host, *events) {
	t.Helper()
	ev := newEvents()
	h, err := host.New(host.Config{Deployment: deployment(t, src), Executable: auraHost, Logger: testLogger(t),
		StopTimeout: 2 * time.Second, Policies: policies, OnEvent: ev.record})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.Start(ctx); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { shutdownHost(t, h) })
	return h, ev
}

var fastRestarts = host.Policy{
	Health:  config.Health{Interval: 100 * time.Millisecond, Timeout: 100 * time.Millisecond, UnhealthyThreshold: 3},
	Restart: config.Restart{Attempts: 3, Window: time.Minute, Delay: time.Millisecond, MaxDelay: 20 * time.Millisecond},
}

func pidOf(t *testing.T, h *host.Host, name string) int {
	t.Helper()
	for _, p := range h.Plugins() {
		if p.Name == name {
			return p.PID
		}
	}
	t.Fatalf("no plugin %s", name)
	return 0
}

func TestSIGKILLedPluginIsRestartedAndServesAgain(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) { testSIGKILLedPluginIsRestartedAndServesAgain(t, tr.name) })
	}
}

func testSIGKILLedPluginIsRestartedAndServesAgain(t *testing.T, transport string) {
	h, ev := startOnTransport(t, transport, fastRestarts)
	old := pidOf(t, h, "tp")
	from := ev.len()
	killedAt := time.Now()
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	restarting, i := ev.wait(t, from, 10*time.Second, "restarting", to("tp", supervise.StateRestarting))
	ready, _ := ev.wait(t, i, 10*time.Second, "ready again", to("tp", supervise.StateReady))
	t.Logf("detection %v, restart-to-ready %v (reason: %s)", restarting.Time.Sub(killedAt), ready.Time.Sub(restarting.Time), restarting.Reason)
	if got := pidOf(t, h, "tp"); got == old || got == 0 {
		t.Fatalf("pid after restart = %d (was %d)", got, old)
	}
	if got := invoke(t, h, "test.greeting", nil); got.String() != `"bonjour"` {
		t.Fatalf("after restart: greeting = %v (config must be re-sent)", got)
	}
	waitGone(t, []int{old}, 5*time.Second)
}

// TestSIGKILLExitReasonIsAlwaysTheSignal kills the plugin's process again
// and again: the exit watcher, the broken call stream and the health probe
// race to notice, and whichever wins, the recorded reason (the restarting
// event's and the status's last exit) names what happened to the process.
func TestSIGKILLExitReasonIsAlwaysTheSignal(t *testing.T) {
	policy := fastRestarts
	policy.Restart.Attempts = 1000
	h, ev := startSupervised(t, testDeployment, map[string]host.Policy{"tp": policy})
	const want = "killed by signal 9 (SIGKILL)"
	var killed []int
	for i := range 20 {
		old := pidOf(t, h, "tp")
		from := ev.len()
		if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		killed = append(killed, old)
		restarting, j := ev.wait(t, from, 10*time.Second, "restarting", to("tp", supervise.StateRestarting))
		if restarting.Reason != want {
			t.Fatalf("kill %d: restarting reason %q, want %q", i, restarting.Reason, want)
		}
		ev.wait(t, j, 10*time.Second, "ready again", to("tp", supervise.StateReady))
		for _, p := range h.Plugins() {
			if p.Name == "tp" && p.LastExit != want {
				t.Fatalf("kill %d: status last exit %q, want %q", i, p.LastExit, want)
			}
		}
	}
	waitGone(t, killed, 5*time.Second)
}

// probeBoundPolicy is TestStoppedPluginIsReplacedWithinProbeBound's
// supervision: its bound, interval + timeout × threshold, is 1.4 s, and
// its steps (a 200 ms interval, 400 ms timeouts) are longer than the slack
// below, so a supervisor that waits one step too many — an extra probe, an
// interval between failed probes — overshoots the bound by more than the
// slack and fails the test; with fastRestarts' 100 ms steps such a
// regression would hide inside it.
var probeBoundPolicy = host.Policy{
	Health:  config.Health{Interval: 200 * time.Millisecond, Timeout: 400 * time.Millisecond, UnhealthyThreshold: 3},
	Restart: fastRestarts.Restart,
}

// probeBoundSlack is what TestStoppedPluginIsReplacedWithinProbeBound
// allows over the supervisor's bound for time the bound does not count:
// detection takes four timer wake-ups (the probe interval, then three probe
// deadlines), each of which waits for a CPU, then a SIGKILL and a state
// event. On a 2-core machine running the whole test suite — a dozen
// runnable threads — one wake-up can wait tens of milliseconds and a GC
// pause adds a few more, so four of them fit in 250 ms with room; an
// unloaded run overshoots by about 5 ms (406 ms against 400 measured with
// 100 ms steps). The slack does not depend on the policy: it is
// scheduling, not probing.
const probeBoundSlack = 250 * time.Millisecond

func TestStoppedPluginIsReplacedWithinProbeBound(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) { testStoppedPluginIsReplacedWithinProbeBound(t, tr.name) })
	}
}

func testStoppedPluginIsReplacedWithinProbeBound(t *testing.T, transport string) {
	h, ev := startOnTransport(t, transport, probeBoundPolicy)
	old := pidOf(t, h, "tp")
	from := ev.len()
	stoppedAt := time.Now()
	if err := syscall.Kill(old, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(old, syscall.SIGCONT)
	restarting, i := ev.wait(t, from, 10*time.Second, "restarting", to("tp", supervise.StateRestarting))
	ev.wait(t, i, 10*time.Second, "ready again", to("tp", supervise.StateReady))
	hp := probeBoundPolicy.Health
	bound := hp.Interval + hp.Timeout*time.Duration(hp.UnhealthyThreshold)
	detected := restarting.Time.Sub(stoppedAt)
	t.Logf("SIGSTOP detected after %v (bound interval + timeout × threshold = %v, held with %v slack): %s",
		detected, bound, probeBoundSlack, restarting.Reason)
	if detected > bound+probeBoundSlack {
		t.Fatalf("SIGSTOP detected after %v: over the bound %v + %v slack", detected, bound, probeBoundSlack)
	}
	// Nor sooner than the probes can have failed: each of the threshold's
	// probes waits its whole timeout on a stopped process.
	if floor := hp.Timeout * time.Duration(hp.UnhealthyThreshold); detected < floor || !strings.Contains(restarting.Reason, "unresponsive") {
		t.Fatalf("detected after %v (%s): want %d failed probes of %v each, at least %v", detected, restarting.Reason,
			hp.UnhealthyThreshold, hp.Timeout, floor)
	}
	if got := pidOf(t, h, "tp"); got == old {
		t.Fatal("the stopped process is still the plugin's")
	}
	invoke(t, h, "test.greeting", nil)
	waitGone(t, []int{old}, 5*time.Second)
}

func TestShutdownWithAStoppedPluginIsBounded(t *testing.T) {
	ev := newEvents()
	h, err := host.New(host.Config{Deployment: deployment(t, testDeployment), Executable: auraHost,
		Logger: testLogger(t), StopTimeout: time.Second, OnEvent: ev.record,
		Policies: map[string]host.Policy{"tp": {Health: config.Health{Interval: time.Hour}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	pid := pidOf(t, h, "tp")
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	t.Logf("shutdown with a stopped plugin took %v (per-plugin bound 1s)", time.Since(start))
	if ctx.Err() != nil {
		t.Fatal("shutdown ran into the test's own deadline")
	}
	waitGone(t, []int{pid}, 2*time.Second)
}

func TestCrashLoopEndsFailedWhileOthersServe(t *testing.T) {
	counter := filepath.Join(t.TempDir(), "starts")
	h, ev := startSupervised(t, `
deployment "t" {}
plugin "tp" {
  command = "TESTPLUGIN"
  allow_unpinned = true
  args    = ["serve-once"]
  env     = { START_COUNTER_FILE = "`+counter+`" }
}
plugin "crypto" { builtin = "crypto" }
`, map[string]host.Policy{"tp": fastRestarts})
	from := ev.len()
	_, err := h.Invoke(context.Background(), call("test.crash", nil))
	if !errors.Is(err, effects.ErrUnavailable) {
		t.Fatalf("call that crashed its plugin: got %v, want unavailable", err)
	}
	failed, _ := ev.wait(t, from, 20*time.Second, "failed", to("tp", supervise.StateFailed))
	t.Logf("failed: %s", failed.Reason)

	// Its operations fail fast with a typed error...
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := h.Invoke(ctx, call("test.greeting", nil)); !errors.Is(err, effects.ErrUnavailable) || ctx.Err() != nil {
		t.Fatalf("call to a failed plugin: got %v, want a fast unavailable", err)
	}
	// ...and the rest of the deployment keeps serving.
	invoke(t, h, "crypto.hash", map[string]effects.Value{"data": effects.Bytes([]byte("still here"))})
	for _, p := range h.Plugins() {
		if p.Name == "tp" && (p.State != supervise.StateFailed || p.LastExit == "") {
			t.Fatalf("status of tp: %+v", p)
		}
	}
}

// A call in flight when its plugin dies fails with a retryable unavailable
// error — unless the operation is idempotent: then the router retries it
// once on the restarted plugin.
func TestInFlightCallsWhenThePluginDies(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) { testInFlightCallsWhenThePluginDies(t, tr.name) })
	}
}

func testInFlightCallsWhenThePluginDies(t *testing.T, transport string) {
	h, ev := startOnTransport(t, transport, fastRestarts)
	pid := pidOf(t, h, "tp")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	type result struct {
		v   effects.Value
		err error
	}
	idem, plain := make(chan result, 1), make(chan result, 1)
	go func() {
		v, err := h.Invoke(ctx, call("test.slow_echo", map[string]effects.Value{"value": effects.String("x"), "ms": effects.Int(500)}))
		idem <- result{v, err}
	}()
	go func() {
		v, err := h.Invoke(ctx, call("test.sleep", map[string]effects.Value{"ms": effects.Int(60_000)}))
		plain <- result{v, err}
	}()
	// Wait until both calls are in the plugin: two calls counted, none done.
	for {
		if st := h.Plugins()[0]; st.Calls >= 2 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("calls never started")
		case <-time.After(time.Millisecond):
		}
	}
	from := ev.len()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	r := <-plain
	var e *effects.Error
	if !errors.As(r.err, &e) || e.Code != effects.CodeUnavailable || !e.Retryable {
		t.Fatalf("non-idempotent call in flight: got %v, want retryable unavailable", r.err)
	}
	r = <-idem
	if r.err != nil || r.v.String() != `"x"` {
		t.Fatalf("idempotent call in flight: got %v, %v; want it retried after the restart", r.v, r.err)
	}
	ev.wait(t, from, 10*time.Second, "ready again", to("tp", supervise.StateReady))
}

// A call to a plugin that hangs (SIGSTOP: it reads nothing, answers
// nothing) ends at its deadline with a timeout, on either transport: the
// host's own deadline timer answers the caller, whatever the plugin does.
// Health probes are slow here, so the process is still the stopped one
// when the deadline passes.
func TestCallToAHungPluginEndsAtItsDeadline(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) { testCallToAHungPluginEndsAtItsDeadline(t, tr.name) })
	}
}

func testCallToAHungPluginEndsAtItsDeadline(t *testing.T, transport string) {
	policy := fastRestarts
	policy.Health = config.Health{Interval: time.Minute, Timeout: time.Second, UnhealthyThreshold: 3}
	h, _ := startOnTransport(t, transport, policy)
	pid := pidOf(t, h, "tp")
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(pid, syscall.SIGCONT)
	waitStopped(t, pid, 5*time.Second)
	const deadline = 300 * time.Millisecond
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		start := time.Now()
		_, err := h.Invoke(ctx, call("test.echo", map[string]effects.Value{"value": effects.Int(int64(i))}))
		took := time.Since(start)
		cancel()
		if !errors.Is(err, effects.ErrTimeout) {
			t.Fatalf("call %d to a stopped plugin: %v, want timeout", i, err)
		}
		if took > deadline+probeBoundSlack {
			t.Fatalf("call %d returned after %v: over its %v deadline plus %v slack", i, took, deadline, probeBoundSlack)
		}
	}
	if got := pidOf(t, h, "tp"); got != pid {
		t.Fatalf("the plugin was replaced (pid %d, was %d): the test meant to call the stopped one", got, pid)
	}
}
