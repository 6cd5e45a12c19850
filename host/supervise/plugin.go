package supervise

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// Plugin is one plugin of the deployment across its whole life:
// its declaration, what it described, its current process (replaced on
// every restart), its supervision state and its counters. It is the
// Handler registered for every operation the plugin serves, so the
// registry never changes when the process does.
type Plugin struct {
	decl    *config.Plugin
	logger  hclog.Logger
	policy  Policy
	onEvent func(Event)

	desc effects.Descriptor
	ops  map[effects.OpID]effects.OpSpec

	// replaced is what the plugin this one replaces (by a mode override)
	// serves, for checkSwap.
	replaced    effects.Descriptor
	replacedErr error
	values      effects.Value // decoded config block

	inst atomic.Pointer[instance] // the instance serving calls; nil when none
	// local is set instead for a plugin run in process: the instance
	// serving calls, replaced by RestartInProcess.
	local atomic.Pointer[sdk.Local]
	// localGen is odd while RestartInProcess replaces local, and moves on
	// each time it does: a call that sees it change did not get its answer
	// from the instance serving now (see invokeLocal).
	localGen atomic.Uint64
	shared   bool      // local is owned by someone else (Config.Shared)
	starting *instance // launched but not yet configured (Start only)

	// wake starts an idle (lazy) plugin; set by the host.
	wake func()

	mu       sync.Mutex
	state    State
	changed  chan struct{} // closed and replaced on every state change
	exit     string        // why the last process ended
	restarts []time.Time   // restarts within the intensity window
	streak   int           // consecutive restarts, for the backoff

	restartsTotal int // every restart since the host started (PluginStatus.RestartsTotal)

	breaker breaker
	latency latencyHistogram
	calls   atomic.Uint64
	errors  atomic.Uint64
}

func newPlugin(decl *config.Plugin, policy Policy, logger hclog.Logger, onEvent func(Event)) *Plugin {
	policy = policy.withDefaults()
	return &Plugin{decl: decl, logger: logger, policy: policy, onEvent: onEvent,
		state: StateStarting, changed: make(chan struct{}),
		breaker: breaker{threshold: policy.Call.BreakerThreshold, cooldown: policy.Call.BreakerCooldown, now: time.Now}}
}

// Name is the plugin's name in the deployment.
func (m *Plugin) Name() string { return m.decl.Name }

func (m *Plugin) lazy() bool { return m.decl.Start == config.StartLazy }

// setState moves the plugin to s, logs the transition and wakes every
// caller waiting for a change.
func (m *Plugin) setState(s State, reason string) { m.transition(s, reason, false) }

// setStateReturned is setState for a failure whose reason the caller
// returns as its error (a launch at start-up): the transition is logged
// at debug, so that the error is printed once, by whoever reports it.
func (m *Plugin) setStateReturned(s State, reason string) { m.transition(s, reason, true) }

func (m *Plugin) transition(s State, reason string, returned bool) {
	m.mu.Lock()
	old := m.state
	m.state = s
	close(m.changed)
	m.changed = make(chan struct{})
	m.mu.Unlock()
	if old == s && reason == "" {
		return
	}
	pid := 0
	if inst := m.inst.Load(); inst != nil {
		pid = inst.pid()
	}
	ev := Event{Plugin: m.Name(), From: old, To: s, Reason: reason, Time: time.Now(), PID: pid}
	args := []any{"from", old, "to", s}
	if reason != "" {
		args = append(args, "reason", reason)
	}
	if returned {
		m.logger.Debug("plugin state", args...)
	} else if s == StateFailed || s == StateDegraded || s == StateRestarting {
		m.logger.Warn("plugin state", args...)
	} else {
		m.logger.Info("plugin state", args...)
	}
	if m.onEvent != nil {
		m.onEvent(ev)
	}
}

func (m *Plugin) currentState() (State, <-chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state, m.changed
}

// Invoke sends the call to the current process over its stream. It waits
// (within the call's deadline) for a plugin that is starting or
// restarting, fails fast for one that failed or is open-circuited, and
// retries an idempotent call once on the next instance if the process died
// under it.
func (m *Plugin) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	m.calls.Add(1)
	start := time.Now()
	v, err := m.invoke(ctx, call, m.callDeadline(ctx, start))
	m.latency.record(time.Since(start))
	if err != nil {
		m.errors.Add(1)
	}
	return v, err
}

// callDeadline is the deadline the host sets a call: the policy's call
// timeout from now, unless ctx's own deadline is earlier (then zero, and
// ctx is the call's only deadline). The stream enforces it with its one
// timer rather than a context.WithDeadline per call (see
// sdk.Stream.InvokeWithDeadline).
func (m *Plugin) callDeadline(ctx context.Context, now time.Time) time.Time {
	limit := now.Add(m.policy.Call.Timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(limit) {
		return time.Time{}
	}
	return limit
}

func (m *Plugin) invoke(ctx context.Context, call *effects.Call, deadline time.Time) (effects.Value, error) {
	if m.local.Load() != nil {
		return m.invokeLocal(ctx, call, deadline)
	}
	if ok, wait := m.breaker.allow(); !ok {
		return effects.Value{}, &effects.Error{Code: effects.CodeUnavailable, Op: call.Op, Plugin: m.Name(), Retryable: true,
			Message: fmt.Sprintf("circuit open after %d consecutive failed calls; next trial in %v", m.policy.Call.BreakerThreshold, wait.Round(time.Millisecond))}
	}
	inst, err := m.waitUsable(ctx, deadline, call.Op, nil)
	if err != nil {
		return effects.Value{}, err
	}
	v, err := inst.stream.InvokeWithDeadline(ctx, call, deadline)
	m.breaker.record(pluginFailed(err, deadline))
	if !errors.Is(err, effects.ErrUnavailable) || !m.ops[call.Op].Idempotent {
		return v, err
	}
	next, werr := m.waitUsable(ctx, deadline, call.Op, inst)
	if werr != nil {
		return v, err
	}
	m.logger.Debug("retrying idempotent call on the restarted plugin", "op", call.Op)
	v, err = next.stream.InvokeWithDeadline(ctx, call, deadline)
	m.breaker.record(pluginFailed(err, deadline))
	return v, err
}

// pluginFailed says whether an outcome counts against the plugin for the
// circuit breaker: it was unreachable, or it overran the deadline the host
// itself set (a caller's own short deadline is not the plugin's fault).
func pluginFailed(err error, hostDeadline time.Time) bool {
	return errors.Is(err, effects.ErrUnavailable) || (!hostDeadline.IsZero() && errors.Is(err, effects.ErrTimeout))
}

// withDeadline is ctx with the host's deadline for a call, if it set one.
func withDeadline(ctx context.Context, deadline time.Time) (context.Context, context.CancelFunc) {
	if deadline.IsZero() {
		return ctx, func() {}
	}
	return context.WithDeadline(ctx, deadline)
}

// waitUsable returns the instance serving calls, other than not, waiting
// while the plugin starts or restarts. A failed or stopped plugin fails
// fast.
func (m *Plugin) waitUsable(ctx context.Context, deadline time.Time, op effects.OpID, not *instance) (*instance, error) {
	bounded := false // ctx carries the host's deadline
	for {
		if inst := m.inst.Load(); inst != nil && inst != not {
			return inst, nil
		}
		state, changed := m.currentState()
		switch state {
		case StateIdle:
			m.wake()
		case StateFailed, StateStopping, StateStopped:
			m.mu.Lock()
			exit := m.exit
			m.mu.Unlock()
			msg := fmt.Sprintf("plugin is %s", state)
			if state == StateFailed {
				msg = fmt.Sprintf("plugin failed (%s); its operations fail until an operator resets it (aura-host status lists it)", exit)
			}
			return nil, &effects.Error{Code: effects.CodeUnavailable, Op: op, Plugin: m.Name(), Retryable: state != StateFailed, Message: msg}
		}
		if !bounded { // only a call that waits needs the deadline's timer
			var cancel context.CancelFunc
			ctx, cancel = withDeadline(ctx, deadline)
			defer cancel()
			bounded = true
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, &effects.Error{Code: effects.AsError(ctx.Err()).Code, Op: op, Plugin: m.Name(), Err: ctx.Err(),
				Message: fmt.Sprintf("plugin still %s when the call's deadline passed", state)}
		}
	}
}

// PluginStatus is a snapshot of one plugin for `aura-host run` and status.
type PluginStatus struct {
	Name       string        `json:"name"`
	State      State         `json:"state"`
	PID        int           `json:"pid"`
	Version    string        `json:"version"`
	Operations int           `json:"operations"`
	Started    time.Time     `json:"started"`
	Restarts   int           `json:"restarts"`
	LastExit   string        `json:"last_exit,omitempty"`
	Calls      uint64        `json:"calls"`
	Errors     uint64        `json:"errors"`
	P50        time.Duration `json:"p50_ns"`
	P99        time.Duration `json:"p99_ns"`
	Circuit    string        `json:"circuit"`
	InProcess  bool          `json:"in_process,omitempty"`
	// Transport is what calls to the current process travel on:
	// "dataplane" or "stream" (sdk.Stream.Transport); empty when no
	// process serves.
	Transport string `json:"transport,omitempty"`

	// RestartsTotal counts every restart since the host started, where
	// Restarts counts those within the restart-intensity window; it never
	// goes down (a reset clears Restarts, not this), so it is a counter.
	RestartsTotal int `json:"restarts_total"`
}

func (m *Plugin) status() PluginStatus {
	m.mu.Lock()
	st := PluginStatus{Name: m.Name(), State: m.state, Version: m.desc.Version,
		Operations: len(m.desc.Ops), LastExit: m.exit, Restarts: len(m.restarts), RestartsTotal: m.restartsTotal}
	m.mu.Unlock()
	if inst := m.inst.Load(); inst != nil {
		st.PID, st.Started = inst.pid(), inst.started
		if inst.stream != nil {
			st.Transport = inst.stream.Transport()
		}
	}
	st.Calls, st.Errors = m.calls.Load(), m.errors.Load()
	st.P50, st.P99 = m.latency.quantile(0.5), m.latency.quantile(0.99)
	st.InProcess = m.local.Load() != nil
	st.Circuit = "closed"
	if m.breaker.open() {
		st.Circuit = "open"
	}
	return st
}

// configure sends the decoded config to a launched instance, maps the
// plugin's diagnostics onto the user's file, opens the call stream and,
// for a service, starts it.
func (m *Plugin) configure(ctx context.Context, inst *instance, req sdk.ConfigureRequest, callbacks effects.Handler) error {
	req.Config = m.values
	req.HostBrokerID = inst.conn.ServeHost(callbacks)
	diags, err := inst.conn.Configure(ctx, req)
	if err != nil {
		return &LaunchError{Plugin: m.Name(), Reason: "configure failed", Err: err}
	}
	var hdiags hcl.Diagnostics
	for _, d := range diags {
		sev := hcl.DiagWarning
		if d.Error {
			sev = hcl.DiagError
		}
		hdiags = append(hdiags, config.PluginDiagnostic(m.decl, d.Path, sev, d.Summary, d.Detail))
	}
	if hdiags.HasErrors() {
		return &DiagnosticsError{Diagnostics: hdiags}
	}
	for _, d := range hdiags {
		m.logger.Warn("configuration warning", "summary", d.Summary, "detail", d.Detail, "at", d.Subject)
	}
	if err := inst.openCalls(ctx); err != nil {
		return err
	}
	if m.desc.Kind == effects.KindService {
		if err := inst.conn.Start(ctx, req.HostBrokerID); err != nil {
			return &LaunchError{Plugin: m.Name(), Reason: "service failed to start", Err: err}
		}
	}
	return nil
}

// configureLocal configures l, an instance of a plugin run in process
// (unless it is shared: its owner configures it), and starts it if it is
// a service.
func (m *Plugin) configureLocal(ctx context.Context, l *sdk.Local, req sdk.ConfigureRequest, callbacks effects.Handler) error {
	if m.shared {
		return nil
	}
	req.Config = m.values
	var hdiags hcl.Diagnostics
	for _, d := range l.Configure(ctx, req, callbacks) {
		sev := hcl.DiagWarning
		if d.Error {
			sev = hcl.DiagError
		}
		hdiags = append(hdiags, config.PluginDiagnostic(m.decl, d.Path, sev, d.Summary, d.Detail))
	}
	if hdiags.HasErrors() {
		return &DiagnosticsError{Diagnostics: hdiags}
	}
	if m.desc.Kind == effects.KindService {
		if err := l.Start(ctx); err != nil {
			return &LaunchError{Plugin: m.Name(), Reason: "service failed to start", Err: err}
		}
	}
	return nil
}

// setDescriptor records what the plugin described. On a restart the new
// process must serve the same operations as the one it replaces.
func (m *Plugin) setDescriptor(d effects.Descriptor) error {
	if m.ops != nil {
		if len(d.Ops) != len(m.ops) {
			return fmt.Errorf("plugin changed its operations across a restart (%d before, %d now)", len(m.ops), len(d.Ops))
		}
		for _, op := range d.Ops {
			if _, ok := m.ops[op.ID]; !ok {
				return fmt.Errorf("plugin changed its operations across a restart (%s is new)", op.ID)
			}
		}
		return nil
	}
	m.desc = d
	m.ops = make(map[effects.OpID]effects.OpSpec, len(d.Ops))
	for _, op := range d.Ops {
		m.ops[op.ID] = op
	}
	return nil
}
