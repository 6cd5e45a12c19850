package supervise

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// Restart of a plugin run in process. Out of process, a restart is a new
// process (supervisor.go); in process (the simulator's agents, tests) there
// is no process to die, so RestartInProcess acts one out: the instance
// serving calls is stopped — it closes what it opened, as a process's end
// releases its files — and a fresh instance of the same built-in is
// configured exactly as the first was, over the same state directory. What
// the plugin made durable there survives; what it held only in memory is
// gone. Calls see what they would see across a real restart: one that was
// running on the old instance fails retryable `unavailable` (the process
// died before answering; an idempotent one is retried once on the new
// instance), and one that arrives during the restart waits for it within
// its deadline.

// ErrNotRestartable marks a RestartInProcess refused: the plugin is not an
// in-process built-in this host owns (it runs as a process, which its
// supervisor restarts, or it is shared and belongs to someone else).
var ErrNotRestartable = errors.New("plugin cannot be restarted in process")

// RestartInProcess replaces the in-process instance of the plugin named
// name by a fresh one over the same state directory (see above). The new
// instance must serve the same operations. A restart whose new instance
// fails to configure leaves the plugin failed, its calls refused, as a
// process that cannot start again would.
func (mg *Manager) RestartInProcess(ctx context.Context, name string) error {
	m := mg.plugin(name)
	switch {
	case m == nil:
		return fmt.Errorf("%w: no plugin %q", ErrNotRestartable, name)
	case m.local.Load() == nil:
		return fmt.Errorf("%w: plugin %q runs as a process, which its supervisor restarts", ErrNotRestartable, name)
	case m.shared:
		return fmt.Errorf("%w: plugin %q is shared, owned and restarted by whoever shares it", ErrNotRestartable, name)
	case mg.cfg.Builtins == nil || m.decl.Builtin == "":
		return fmt.Errorf("%w: plugin %q is no built-in to make a fresh instance of", ErrNotRestartable, name)
	}
	newPlugin, ok := mg.cfg.Builtins(m.decl.Builtin)
	if !ok {
		return fmt.Errorf("%w: no built-in %q", ErrNotRestartable, m.decl.Builtin)
	}
	fresh, err := sdk.NewLocal(newPlugin(), m.logger)
	if err != nil {
		return &LaunchError{Plugin: name, Reason: "invalid built-in plugin", Err: err}
	}
	if err := m.setDescriptor(fresh.Describe()); err != nil {
		return &LaunchError{Plugin: name, Reason: "restart refused", Err: err}
	}
	m.localGen.Add(1) // odd: calls wait until the restart is over
	// Logged at debug: whoever restarts a plugin in process (a simulated
	// fault, which its bundle records) says so itself.
	m.transition(StateRestarting, "restarted in process", true)
	if err := mg.replaceLocal(ctx, m, fresh); err != nil {
		m.mu.Lock()
		m.exit = "restart in process failed: " + err.Error()
		m.mu.Unlock()
		m.setState(StateFailed, "restart in process failed: "+err.Error()) // before the generation moves on: no call uses the stopped instance
		m.localGen.Add(1)
		return err
	}
	m.localGen.Add(1)
	m.mu.Lock()
	m.restartsTotal++
	m.mu.Unlock()
	m.transition(StateReady, "restarted in process", true)
	return nil
}

// replaceLocal stops m's instance and configures fresh in its place. The
// old one stops first: it holds its files open (bbolt locks its
// database), and the new one opens them again.
func (mg *Manager) replaceLocal(ctx context.Context, m *Plugin, fresh *sdk.Local) error {
	stopCtx, cancel := context.WithTimeout(ctx, m.policy.StopTimeout)
	if err := m.local.Load().Stop(stopCtx); err != nil {
		m.logger.Warn("plugin did not stop cleanly before its restart", "error", err)
	}
	cancel()
	req, err := mg.configureRequest(m)
	if err != nil {
		return err
	}
	ctx, cancel = context.WithTimeout(ctx, mg.cfg.StartTimeout)
	defer cancel()
	if err := m.configureLocal(ctx, fresh, req, mg.callbacks); err != nil {
		return err
	}
	m.local.Store(fresh)
	return nil
}

// invokeLocal calls an in-process plugin. A call made while the plugin
// restarts waits for it (within the call's deadline); a call the restart
// overtook — begun on the instance it replaced — fails retryable
// unavailable, as a call in flight when a process dies does, and an
// idempotent one is made once more on the new instance.
func (m *Plugin) invokeLocal(ctx context.Context, call *effects.Call, deadline time.Time) (effects.Value, error) {
	for attempt := 0; ; attempt++ {
		gen, l, err := m.currentLocal(ctx, call.Op, deadline)
		if err != nil {
			return effects.Value{}, err
		}
		v, err := l.InvokeWithDeadline(ctx, call, deadline)
		if m.localGen.Load() == gen {
			return v, err
		}
		died := &effects.Error{Code: effects.CodeUnavailable, Op: call.Op, Plugin: m.Name(), Retryable: true,
			Message: "the plugin restarted while the call ran; its answer was lost with the old instance"}
		if attempt > 0 || !m.ops[call.Op].Idempotent {
			return effects.Value{}, died
		}
		m.logger.Debug("retrying idempotent call on the restarted plugin", "op", call.Op)
	}
}

// currentLocal returns the in-process instance serving now and its
// generation, waiting out a restart under way; a failed plugin fails
// fast, as waitUsable fails it.
func (m *Plugin) currentLocal(ctx context.Context, op effects.OpID, deadline time.Time) (uint64, *sdk.Local, error) {
	var cancel context.CancelFunc = func() {}
	defer func() { cancel() }()
	bounded := false
	for {
		state, changed := m.currentState() // before the generation: a restart's end closes changed after it
		gen := m.localGen.Load()
		if state == StateFailed {
			return 0, nil, &effects.Error{Code: effects.CodeUnavailable, Op: op, Plugin: m.Name(),
				Message: "plugin failed to restart in process; its operations fail until the host starts again"}
		}
		if gen%2 == 0 {
			return gen, m.local.Load(), nil
		}
		if !bounded {
			ctx, cancel = withDeadline(ctx, deadline)
			bounded = true
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return 0, nil, &effects.Error{Code: effects.AsError(ctx.Err()).Code, Op: op, Plugin: m.Name(), Err: ctx.Err(),
				Message: "plugin still restarting when the call's deadline passed"}
		}
	}
}
