package supervise

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// supervise watches one plugin for as long as the host runs: it notices
// the process exiting (at once) or going unresponsive (by the health
// probe), retires the instance and restarts the plugin with backoff, until
// the restart-intensity limit marks it failed or the host shuts down.
func (mg *Manager) supervise(ctx context.Context, m *Plugin) {
	for {
		inst := m.inst.Load()
		if inst == nil {
			return
		}
		reason := mg.watchInstance(ctx, m, inst)
		if ctx.Err() != nil {
			return
		}
		mg.retire(m, inst, reason)
		if !mg.restart(ctx, m) {
			return
		}
	}
}

// watchInstance returns why the instance must be replaced: it exited, or
// failed UnhealthyThreshold consecutive probes (it is then SIGKILLed).
func (mg *Manager) watchInstance(ctx context.Context, m *Plugin, inst *instance) string {
	p := m.policy.Health
	timer := time.NewTimer(max(p.Grace, p.Interval))
	defer timer.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return ""
		case <-inst.exited():
			return inst.exitStatus()
		case <-inst.stream.Done():
			// Either the process died (its sockets closed as it exited) or
			// it lives with a broken stream: its state is unknown and no
			// call can reach it. Either way it is replaced.
			return mg.endInstance(inst, "call stream to the plugin broke")
		case <-timer.C:
		}
		err := mg.probe(ctx, m, inst)
		switch {
		case ctx.Err() != nil:
			return ""
		case err == nil:
			if failures > 0 {
				m.setState(StateReady, "health probe answered again")
			}
			failures = 0
		default:
			failures++
			if failures >= p.UnhealthyThreshold {
				return mg.endInstance(inst, fmt.Sprintf("unresponsive: %d consecutive health probes failed (last: %v)", failures, err))
			}
			m.setState(StateDegraded, fmt.Sprintf("health probe %d/%d failed: %v", failures, p.UnhealthyThreshold, err))
			// Confirm at once: a hung plugin is replaced within
			// interval + timeout × threshold, not threshold intervals.
			timer.Reset(0)
			continue
		}
		timer.Reset(p.Interval)
	}
}

// endInstance ends an instance one of the watchers gave up on (its stream
// broke, its probes failed) and returns the exit reason to record, which
// names what happened to the process whichever watcher noticed first: a
// process that died by itself — the usual cause of a broken stream —
// reports its own wait status ("killed by signal 9 (SIGKILL)", "exited
// with status 2"), exactly as when the exit watcher notices first; one the
// host had to kill reports that and why ("killed by signal 9 (SIGKILL),
// sent by the host: call stream to the plugin broke"). The wait is bounded
// by the stop timeout; a process that outlives even a SIGKILL that long is
// reported with the cause alone.
func (mg *Manager) endInstance(inst *instance, cause string) string {
	killed := false
	if !inst.dying() {
		inst.killProcess()
		killed = true
	}
	t := time.NewTimer(mg.cfg.StopTimeout)
	defer t.Stop()
	select {
	case <-inst.exited():
	case <-t.C:
		return cause + "; process group killed, but it had not exited after " + mg.cfg.StopTimeout.String()
	}
	if killed {
		return inst.exitStatus() + ", sent by the host: " + cause
	}
	return inst.exitStatus()
}

// probe runs the liveness checks, each under its own deadline: the
// standard grpc.health.v1 check every plugin serves, and for a service its
// own Health. A degraded service is reported but stays in service.
func (mg *Manager) probe(ctx context.Context, m *Plugin, inst *instance) error {
	timeout := m.policy.Health.Timeout
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := inst.conn.Ping(pctx); err != nil {
		return err
	}
	if m.desc.Kind != effects.KindService {
		return nil
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	health, err := inst.conn.Health(sctx)
	switch {
	case err != nil:
		return err
	case health.Status == sdk.Unhealthy:
		return fmt.Errorf("service reports unhealthy: %s", health.Reason)
	case health.Status == sdk.Degraded:
		m.setState(StateDegraded, "service reports degraded: "+health.Reason)
	}
	return nil
}

// retire takes a dead or unresponsive instance out of service. Its calls in
// flight fail with a retryable unavailable error as its stream closes; the
// process is reaped in the background.
func (mg *Manager) retire(m *Plugin, inst *instance, reason string) {
	if !m.inst.CompareAndSwap(inst, nil) {
		return
	}
	if time.Since(inst.started) >= m.policy.Restart.StableAfter {
		m.mu.Lock()
		m.streak = 0 // it was stable: start the backoff over
		m.mu.Unlock()
	}
	m.mu.Lock()
	m.exit = reason
	m.mu.Unlock()
	m.setState(StateRestarting, reason)
	mg.background.Go(func() { inst.kill(mg.cfg.StopTimeout) })
}

// restart starts a fresh process and client, with capped exponential
// backoff and jitter, and reports whether the plugin is serving again. Past
// the restart-intensity limit the plugin is failed (mode "fail") or keeps
// being retried at the maximum delay (mode "keep-trying").
func (mg *Manager) restart(ctx context.Context, m *Plugin) bool {
	rp := m.policy.Restart
	for {
		now := time.Now()
		m.mu.Lock()
		kept := m.restarts[:0]
		for _, t := range m.restarts {
			if now.Sub(t) < rp.Window {
				kept = append(kept, t)
			}
		}
		m.restarts = append(kept, now)
		m.restartsTotal++
		m.streak++
		count, streak, exit := len(m.restarts), m.streak, m.exit
		m.mu.Unlock()

		delay := backoff(rp.Delay, rp.MaxDelay, streak)
		if count > rp.Attempts {
			if rp.Mode == config.RestartFail {
				m.setState(StateFailed, fmt.Sprintf("restarted %d times within %v (last: %s)", rp.Attempts, rp.Window, exit))
				return false
			}
			delay = rp.MaxDelay
		}
		m.logger.Info("restarting plugin", "attempt", count, "delay", delay)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		err := mg.spawn(ctx, m)
		if err == nil {
			m.breaker.reset()
			m.setState(StateReady, fmt.Sprintf("restarted (attempt %d)", count))
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		m.mu.Lock()
		m.exit = "restart failed: " + err.Error()
		m.mu.Unlock()
		m.logger.Error("restart failed", "error", err)
	}
}

// backoff is the delay before the n-th consecutive restart: base·2^(n-1)
// capped at limit, with ±25% jitter so that plugins failing together do
// not restart in lockstep.
func backoff(base, limit time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	jitter := time.Duration(rand.Int64N(int64(d)/2+1)) - d/4
	return max(d+jitter, 0)
}

// Reset brings a failed plugin back: its restart history is cleared and it
// is started afresh under supervision. Resetting a plugin that has not
// failed is an error.
func (mg *Manager) Reset(ctx context.Context, name string) error {
	m := mg.plugin(name)
	if m == nil {
		return fmt.Errorf("no plugin %q in this deployment", name)
	}
	if st, _ := m.currentState(); st != StateFailed {
		return fmt.Errorf("plugin %q is %s, not failed: nothing to reset", name, st)
	}
	m.mu.Lock()
	m.restarts, m.streak = nil, 0
	m.mu.Unlock()
	m.setState(StateStarting, "reset by operator")
	if err := mg.spawn(ctx, m); err != nil {
		m.setState(StateFailed, "reset failed: "+err.Error())
		return err
	}
	m.breaker.reset()
	m.setState(StateReady, "reset by operator")
	mg.startSupervisor(m)
	return nil
}

func (mg *Manager) startSupervisor(m *Plugin) {
	mg.supervisors.Go(func() { mg.supervise(mg.ctx, m) })
}
