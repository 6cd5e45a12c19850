package system

import (
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/lifecycle"
)

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
func (f *Family) HealthCheck() HealthReport {
	r := HealthReport{State: lifecycle.Healthy, Plugins: map[string]string{}}
	worse := func(s lifecycle.State, reason string) {
		r.Reasons = append(r.Reasons, reason)
		if s == lifecycle.Unhealthy || r.State == lifecycle.Healthy {
			r.State = s
		}
	}
	for _, p := range f.agent.Host().Plugins() {
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
	r.Services = f.agent.Services()
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
