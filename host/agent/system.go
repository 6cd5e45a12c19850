package agent

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/health"
	"github.com/aurahost/aura-host/host/lifecycle"
)

// SystemProvider is the provider the system family is registered under:
// the agent runtime, like the device family.
const SystemProvider = DeviceProvider

// system serves the system family (effects.SystemOps) in process. It is
// registered directly, like device.*, rather than as a service kind a
// deployment declares: every agent has it (AURA-SPEC §3 lists it among the
// effects, not the services), it reads what only the runtime sees — its
// plugins, its hosted services, its router's calls, its guard chain — and
// it must be registered before any plugin so none can claim it.
//
// Who may call what: every operation is reachable only from inside the
// agent's process boundary (its facades, its plugins' callbacks, its
// protocols, `aura-host invoke --as`), never from a peer. Reading is
// harmless; set_config changes how the agent behaves, so the guard chain
// guards it (host.DefaultGuardPolicy): the agent's allow list must grant
// system.set_config, and a denial journals nothing and changes nothing.
type system struct {
	a *Agent
}

func (s *system) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	if err := ctx.Err(); err != nil {
		return effects.Value{}, err
	}
	if !call.Authority.IsZero() && call.Authority != s.a.AuthorityID() {
		return effects.Value{}, &effects.Error{Code: effects.CodeDenied, Op: call.Op,
			Message: fmt.Sprintf("this agent acts for %s, the call names %s", s.a.AuthorityID(), call.Authority)}
	}
	switch call.Op {
	case effects.SystemHealthCheck:
		return s.a.healthReport().Value(), nil
	case effects.SystemGetMetrics:
		return s.a.metricsValue(ctx)
	case effects.SystemGetConfig:
		return s.a.getConfig(call)
	case effects.SystemSetConfig:
		return s.a.setConfig(ctx, call)
	}
	return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: call.Op}
}

// HealthReport is the agent's health as system.health_check answers it.
type HealthReport struct {
	State    lifecycle.State
	Reasons  []string
	Plugins  map[string]string // plugin → its supervision state
	Services []lifecycle.Status
}

// Value is the report as an effects value.
func (r HealthReport) Value() effects.Value {
	reasons := make([]effects.Value, len(r.Reasons))
	for i, s := range r.Reasons {
		reasons[i] = effects.String(s)
	}
	plugins := make(map[string]effects.Value, len(r.Plugins))
	for n, st := range r.Plugins {
		plugins[n] = effects.String(st)
	}
	services := make(map[string]effects.Value, len(r.Services))
	for _, st := range r.Services {
		services[st.Name] = effects.Map(map[string]effects.Value{"state": effects.String(string(st.Health.State)),
			"reason": effects.String(st.Health.Reason)})
	}
	return effects.Map(map[string]effects.Value{"state": effects.String(string(r.State)), "reasons": effects.List(reasons...),
		"plugins": effects.Map(plugins), "services": effects.Map(services)})
}

// HealthCheck is the agent's health: unhealthy when a plugin failed or a
// service is unhealthy; degraded when a plugin is not ready, a service is
// not healthy (degraded, or not running while the agent is), or the local
// health observer reports degraded signals; healthy otherwise. Each
// reason names what is wrong.
func (a *Agent) HealthCheck() HealthReport { return a.healthReport() }

func (a *Agent) healthReport() HealthReport {
	r := HealthReport{State: lifecycle.Healthy, Plugins: map[string]string{}}
	worse := func(s lifecycle.State, reason string) {
		r.Reasons = append(r.Reasons, reason)
		if s == lifecycle.Unhealthy || r.State == lifecycle.Healthy {
			r.State = s
		}
	}
	for _, p := range a.host.Plugins() {
		st := string(p.State)
		r.Plugins[p.Name] = st
		switch st {
		case "ready":
		case "failed":
			worse(lifecycle.Unhealthy, "plugin "+p.Name+" failed"+lastExit(p.LastExit))
		default:
			worse(lifecycle.Degraded, "plugin "+p.Name+" is "+st)
		}
	}
	r.Services = a.serviceStatuses()
	for _, st := range r.Services {
		switch st.Health.State {
		case lifecycle.Healthy:
		case lifecycle.Unhealthy:
			worse(lifecycle.Unhealthy, "service "+st.Name+" is "+st.Health.String())
		default:
			worse(lifecycle.Degraded, "service "+st.Name+" is "+st.Health.String())
		}
	}
	return r
}

func lastExit(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func (a *Agent) metricsValue(ctx context.Context) (effects.Value, error) {
	m := a.metrics.value()
	fields := map[string]effects.Value{}
	for _, f := range m.Fields() {
		fields[f.Key] = f.Value
	}
	p, err := BudgetPressure(ctx, a.Router().FlowBudgets(), a.metrics.sentOn(effects.ContextID{}))
	if err != nil {
		return effects.Value{}, err
	}
	fields["flow_budget_pressure"] = effects.Int(int64(p))
	tc := a.host.TraceCounts()
	fields["trace"] = effects.Map(map[string]effects.Value{"events": effects.Uint(tc.Events), "spans": effects.Uint(tc.Spans)})
	if snap, ok := a.localHealth(); ok {
		fields["local_health"] = snap.Value()
	}
	return effects.Map(fields), nil
}

// settings are every setting of the agent, sorted by path.
func (a *Agent) settings() []*setting {
	out := append(a.agentSettings(), a.serviceSettings()...)
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

func settableKeys(all []*setting) []string {
	var keys []string
	for _, s := range all {
		if s.settable() {
			keys = append(keys, s.path)
		}
	}
	return keys
}

func (a *Agent) getConfig(call *effects.Call) (effects.Value, error) {
	all := a.settings()
	if key, ok := call.Arg("key").AsString(); ok {
		i := slices.IndexFunc(all, func(s *setting) bool { return s.path == key })
		if i < 0 {
			paths := make([]string, len(all))
			for i, s := range all {
				paths[i] = s.path
			}
			return effects.Value{}, &effects.Error{Code: effects.CodeNotFound, Op: call.Op,
				Message: fmt.Sprintf("no setting %q: the settings are %s", key, strings.Join(paths, ", "))}
		}
		return all[i].get(), nil
	}
	out := make(map[string]effects.Value, len(all))
	for _, s := range all {
		out[s.path] = s.get()
	}
	return effects.Map(out), nil
}

// setConfig checks, applies and journals one setting. It applies before
// journaling, so that a fact never records a change a service refused;
// if the journal then fails, the previous value is put back. One change
// at a time.
func (a *Agent) setConfig(ctx context.Context, call *effects.Call) (effects.Value, error) {
	a.configMu.Lock()
	defer a.configMu.Unlock()
	key, _ := call.Arg("key").AsString()
	raw := call.Arg("value")
	all := a.settings()
	i := slices.IndexFunc(all, func(s *setting) bool { return s.path == key })
	if i < 0 || !all[i].settable() {
		e := &ConfigKeyError{Key: key, ReadOnly: i >= 0, Settable: settableKeys(all)}
		return effects.Value{}, &effects.Error{Code: effects.CodeInvalidArgs, Op: call.Op, Message: e.Error(), Err: e}
	}
	s := all[i]
	v, expected := coerce(s.field.Kind, raw)
	if expected == "" && s.check != nil {
		expected = s.check(v)
	}
	if expected != "" {
		return effects.Value{}, valueError(call.Op, key, raw, expected)
	}
	prev := s.get()
	if err := s.set(v); err != nil {
		return effects.Value{}, valueError(call.Op, key, raw, err.Error())
	}
	if err := a.journalConfigSet(ctx, key, v, prev); err != nil {
		if rerr := s.set(prev); rerr != nil {
			a.logger.Error("set_config: the journal failed and the previous value did not come back", "key", key, "error", rerr)
		}
		return effects.Value{}, err
	}
	a.logger.Info("setting changed", "key", key, "value", v.String(), "previous", prev.String())
	return effects.Map(map[string]effects.Value{"key": effects.String(key), "value": v, "previous": prev}), nil
}

func valueError(op effects.OpID, key string, v effects.Value, expected string) error {
	e := &ConfigValueError{Key: key, Value: v, Expected: expected}
	return &effects.Error{Code: effects.CodeInvalidArgs, Op: op, Message: e.Error(), Err: e}
}

// journalConfigSet journals the change as a system.config_set fact.
func (a *Agent) journalConfigSet(ctx context.Context, key string, v, prev effects.Value) error {
	if !a.host.Registry().Has(effects.JournalAppendFact) {
		return &effects.Error{Code: effects.CodeUnavailable, Op: effects.SystemSetConfig,
			Message: `a setting change must be journaled, and no plugin serves journal.append_fact: add plugin "journal" { builtin = "journal" }`}
	}
	id := a.AuthorityID()
	now := int64(0)
	if a.host.Registry().Has(effects.ClockPhysicalTime) {
		t, err := a.host.Invoke(ctx, &effects.Call{Op: effects.ClockPhysicalTime, Args: effects.Map(nil)})
		if err != nil {
			return err
		}
		ms, _ := t.Get("ms")
		if i, ok := ms.AsInt(); ok && i > 0 {
			now = i
		}
	}
	fact := effects.Map(map[string]effects.Value{
		"type":      effects.String("system"),
		"authority": effects.Bytes(id[:]),
		"time":      effects.Int(now),
		"predicate": effects.String(effects.PredicateConfigSet),
		"body":      effects.Map(map[string]effects.Value{"key": effects.String(key), "value": v, "previous": prev}),
	})
	_, err := a.host.Invoke(ctx, &effects.Call{Op: effects.JournalAppendFact, Args: effects.Map(map[string]effects.Value{"fact": fact})})
	if err != nil {
		return fmt.Errorf("journal %s: %w", effects.PredicateConfigSet, err)
	}
	return nil
}

// localHealth is the snapshot of the agent's local health observer, if
// it runs one.
func (a *Agent) localHealth() (health.Snapshot, bool) {
	for _, o := range a.healthObservers() {
		return o.Snapshot(), true
	}
	return health.Snapshot{}, false
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
// an invalid_args *effects.Error wrapping a *ConfigKeyError or a
// *ConfigValueError.
func (a *Agent) SetSetting(ctx context.Context, key string, value effects.Value) (effects.Value, error) {
	return a.Invoke(ctx, effects.SystemSetConfig, effects.Map(map[string]effects.Value{"key": effects.String(key), "value": value}))
}
