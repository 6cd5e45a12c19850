package host

import (
	"context"
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

// managedPlugin is one plugin of the deployment across its whole life:
// its declaration, what it described, its current process (replaced on
// restart) and its counters. It is the Handler registered for every
// operation the plugin serves, so the registry never changes when the
// process does.
type managedPlugin struct {
	decl   *config.Plugin
	logger hclog.Logger

	desc   effects.Descriptor
	values effects.Value // decoded config block

	inst atomic.Pointer[instance] // nil when no process serves calls

	mu    sync.Mutex
	state State
	exit  string // why the last process ended, for status

	calls  atomic.Uint64
	errors atomic.Uint64
}

func (m *managedPlugin) name() string { return m.decl.Name }

func (m *managedPlugin) setState(s State, reason string) {
	m.mu.Lock()
	old := m.state
	m.state = s
	m.mu.Unlock()
	if old != s {
		args := []any{"from", old, "to", s}
		if reason != "" {
			args = append(args, "reason", reason)
		}
		m.logger.Info("plugin state", args...)
	}
}

func (m *managedPlugin) currentState() State {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state
}

// Invoke sends the call to the current process over its stream.
func (m *managedPlugin) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	m.calls.Add(1)
	inst := m.inst.Load()
	if inst == nil {
		m.errors.Add(1)
		return effects.Value{}, &effects.Error{Code: effects.CodeUnavailable, Op: call.Op, Plugin: m.name(), Retryable: true,
			Message: fmt.Sprintf("plugin is %s", m.currentState())}
	}
	v, err := inst.stream.Invoke(ctx, call)
	if err != nil {
		m.errors.Add(1)
	}
	return v, err
}

// PluginStatus is a snapshot of one plugin for `aura-host run` and status.
type PluginStatus struct {
	Name       string
	State      State
	PID        int
	Version    string
	Operations int
	Started    time.Time
	LastExit   string
	Calls      uint64
	Errors     uint64
}

func (m *managedPlugin) status() PluginStatus {
	m.mu.Lock()
	st := PluginStatus{Name: m.name(), State: m.state, Version: m.desc.Version,
		Operations: len(m.desc.Ops), LastExit: m.exit}
	m.mu.Unlock()
	if inst := m.inst.Load(); inst != nil {
		st.PID, st.Started = inst.pid(), inst.started
	}
	st.Calls, st.Errors = m.calls.Load(), m.errors.Load()
	return st
}

// configure sends the decoded config, maps the plugin's diagnostics onto
// the user's file, opens the call stream and, for a service, starts it.
func (m *managedPlugin) configure(ctx context.Context, inst *instance, req sdk.ConfigureRequest, callbacks effects.Handler) error {
	req.Config = m.values
	req.HostBrokerID = inst.conn.ServeHost(callbacks)
	diags, err := inst.conn.Configure(ctx, req)
	if err != nil {
		return &LaunchError{Plugin: m.name(), Reason: "configure failed", Err: err}
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
	if inst.stream, err = inst.conn.OpenStream(); err != nil {
		return &LaunchError{Plugin: m.name(), Reason: "cannot open the call stream", Err: err}
	}
	if m.desc.Kind == effects.KindService {
		if err := inst.conn.Start(ctx, req.HostBrokerID); err != nil {
			return &LaunchError{Plugin: m.name(), Reason: "service failed to start", Err: err}
		}
	}
	return nil
}
