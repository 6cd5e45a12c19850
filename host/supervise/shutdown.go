package supervise

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// Shutdown stops supervision, then every plugin one
// by one in reverse start order (a service is asked to Stop first), each
// within its stop timeout even if it does not answer: it is then SIGKILLed.
// It is idempotent; later calls return the first result.
func (mg *Manager) Shutdown(ctx context.Context) error {
	mg.shutdownOnce.Do(func() { mg.shutdownErr = mg.shutdown(ctx) })
	return mg.shutdownErr
}

func (mg *Manager) shutdown(ctx context.Context) error {
	mg.cancel()
	mg.supervisors.Wait()
	var stragglers []string
	var order []*Plugin
	for _, level := range mg.levels() {
		order = append(order, level...)
	}
	for _, m := range slices.Backward(order) {
		if m.local.Load() != nil {
			mg.stopLocal(ctx, m)
			continue
		}
		inst := m.inst.Swap(nil)
		if inst == nil {
			inst, m.starting = m.starting, nil
		}
		if inst == nil {
			if st, _ := m.currentState(); st != StateFailed {
				m.setState(StateStopped, "")
			}
			continue
		}
		m.setState(StateStopping, "")
		if !mg.stopInstance(ctx, m, inst) {
			stragglers = append(stragglers, m.Name())
		}
		m.setState(StateStopped, "")
	}
	mg.background.Wait()
	if mg.socketDir != "" {
		_ = os.RemoveAll(mg.socketDir)
	}
	if len(stragglers) > 0 {
		slices.Sort(stragglers)
		return fmt.Errorf("plugins still running after SIGKILL: %v (a process in uninterruptible sleep cannot be killed until its I/O ends)", stragglers)
	}
	return nil
}

// stopLocal stops an in-process plugin this host owns within the plugin's
// stop timeout: a service is asked to Stop, and any plugin to Close what it
// opened (its database), so that a host started again over the same state
// directory in this process finds it free.
func (mg *Manager) stopLocal(ctx context.Context, m *Plugin) {
	if st, _ := m.currentState(); st != StateReady || m.shared {
		return
	}
	m.setState(StateStopping, "")
	stopCtx, cancel := context.WithTimeout(ctx, m.policy.StopTimeout)
	if err := m.local.Load().Stop(stopCtx); err != nil {
		m.logger.Warn("plugin did not stop cleanly", "error", err)
	}
	cancel()
	m.setState(StateStopped, "")
}

// stopInstance stops one instance within the plugin's bound: a service is
// asked to Stop first; then the process is shut down, and killed if it
// does not go.
func (mg *Manager) stopInstance(ctx context.Context, m *Plugin, inst *instance) bool {
	bound := m.policy.StopTimeout
	if dl, ok := ctx.Deadline(); ok {
		bound = max(min(bound, time.Until(dl)), 10*time.Millisecond)
	}
	if m.desc.Kind == effects.KindService && inst.stream != nil {
		stopCtx, cancel := context.WithTimeout(ctx, bound/2)
		if err := inst.conn.Stop(stopCtx); err != nil {
			m.logger.Warn("service did not stop cleanly", "error", err)
		}
		cancel()
	}
	return inst.kill(bound)
}
