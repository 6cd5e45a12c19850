package agent

import (
	"context"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/agent/system"
	"github.com/aurahost/aura-host/host/health"
	"github.com/aurahost/aura-host/vm/policy"
)

// The agent's side of the system family (host/agent/system): it builds
// and registers the family, and answers the family's system.Agent
// interface with what only the agent knows — its hosted services'
// settings and local health.

// SystemProvider is the provider the system family is registered under:
// the agent runtime, like the device family.
const SystemProvider = DeviceProvider

var _ system.Agent = (*Agent)(nil)

// registerSystem builds the agent's system family, installs its counters
// as a Router observer (so they see the first call on) and registers its
// operations, before any plugin, so no plugin can claim them.
func (a *Agent) registerSystem(h *host.Host, allow []string, logger hclog.Logger) error {
	a.system = system.New(system.Config{Agent: a, Registry: h.Registry(), Allow: allow, Logger: logger})
	h.Router().Observe(a.system.Observe)
	return h.Registry().Register(SystemProvider, a.system, effects.SystemOps()...)
}

// HealthCheck is the agent's health as system.health_check answers it
// (system.Family.HealthCheck).
func (a *Agent) HealthCheck() system.HealthReport { return a.system.HealthCheck() }

// SchedulerSignals are the runtime signals of a session this agent
// admits, what vm.Config.Signals takes (system.Family.SchedulerSignals:
// flow-budget pressure, raised by degraded local health, and guard
// contention).
func (a *Agent) SchedulerSignals(ctx context.Context, adm system.Admission) (policy.Signals, error) {
	return a.system.SchedulerSignals(ctx, adm)
}

// Metrics is system.get_metrics, as this agent.
func (a *Agent) Metrics(ctx context.Context) (effects.Value, error) {
	return a.Invoke(ctx, effects.SystemGetMetrics, effects.Map(nil))
}

// Settings is system.get_config, as this agent: every setting by path.
func (a *Agent) Settings(ctx context.Context) (effects.Value, error) {
	return a.Invoke(ctx, effects.SystemGetConfig, effects.Map(nil))
}

// SetSetting is system.set_config, as this agent: routed, so the guard
// chain checks the agent's capability first. A refused key or value is
// an invalid_args *effects.Error wrapping a *system.ConfigKeyError or a
// *system.ConfigValueError.
func (a *Agent) SetSetting(ctx context.Context, key string, value effects.Value) (effects.Value, error) {
	return a.Invoke(ctx, effects.SystemSetConfig, effects.Map(map[string]effects.Value{"key": effects.String(key), "value": value}))
}

// ServiceSettings are the fields of every host-owned service's config
// block, by "service.NAME.FIELD": settable where the service is a
// system.Reconfigurer, each change recorded as the settings it runs with.
func (a *Agent) ServiceSettings() []*system.Setting {
	var out []*system.Setting
	for _, s := range a.hosted() {
		r, _ := s.HostedService.(system.Reconfigurer)
		for _, f := range s.kind.Config {
			out = append(out, system.ServiceSetting(s.name, f, s.currentSettings, r, s.setSettings))
		}
	}
	return out
}

// HealthSource is a service that reports local health (the
// local_health_observer): system.get_metrics and the scheduler signals
// read it.
type HealthSource interface {
	Snapshot() health.Snapshot
}

// LocalHealth is the snapshot of the agent's local health observer, the
// first host-owned service that is a HealthSource; ok is false when it
// runs none.
func (a *Agent) LocalHealth() (snap health.Snapshot, ok bool) {
	for _, s := range a.hosted() {
		if h, ok := s.HostedService.(HealthSource); ok {
			return h.Snapshot(), true
		}
	}
	return health.Snapshot{}, false
}

// hosted is every host-owned service, in start order.
func (a *Agent) hosted() []*hostedService {
	if a.services == nil {
		return nil
	}
	var out []*hostedService
	for _, st := range a.services.Status() {
		if s, ok := a.services.Lookup(st.Name).(*hostedService); ok {
			out = append(out, s)
		}
	}
	return out
}
