package agent

import (
	"github.com/aurahost/aura-host/host/health"
	"github.com/aurahost/aura-host/host/lifecycle"
)

// What the system family reads of the host-owned services.

func (a *Agent) serviceStatuses() []lifecycle.Status { return a.Services() }

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

// serviceSettings are the fields of every host-owned service's config
// block, settable where the service is a Reconfigurer.
func (a *Agent) serviceSettings() []*setting {
	var out []*setting
	for _, s := range a.hosted() {
		r, _ := s.HostedService.(Reconfigurer)
		for _, f := range s.kind.Config {
			out = append(out, serviceSetting(s.name, f, s.currentSettings, r, s.setSettings))
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

func (a *Agent) healthObservers() []HealthSource {
	var out []HealthSource
	for _, s := range a.hosted() {
		if h, ok := s.HostedService.(HealthSource); ok {
			out = append(out, h)
		}
	}
	return out
}
