package agent

import (
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
	"github.com/aurahost/aura-host/host/admin"
	"github.com/aurahost/aura-host/host/agent/builtin"
	"github.com/aurahost/aura-host/host/cover"
	"github.com/aurahost/aura-host/host/holds"
	"github.com/aurahost/aura-host/host/reactive"
)

// The agent's clients and Go API of the builtin services it hosts
// (host/agent/builtin): each a facade routed as the agent, and the
// service itself when the deployment declares one.

var _ builtin.Agent = (*Agent)(nil)

// Cover is the cover-traffic service's client, as this agent: its status
// (cover.status), answered by the agent's cover_traffic service. A
// deployment without one answers unknown_op.
func (a *Agent) Cover() *facade.Cover { return a.Effects().Cover }

// CoverService is the agent's cover-traffic service, or nil when its
// deployment declares none: its Status, and Tick for a test that drives it.
func (a *Agent) CoverService() *cover.Service {
	s, _ := serviceOf[*cover.Service](a)
	return s
}

// serviceOf is the first of the agent's services of type T, if any.
func serviceOf[T any](a *Agent) (T, bool) {
	for _, st := range a.Services() {
		if s, ok := a.Service(st.Name).(T); ok {
			return s, true
		}
	}
	var none T
	return none, false
}

// Holds is the hold service's client, as this agent (the hold.* family of
// its builtin holds service).
func (a *Agent) Holds() *facade.Holds { return a.Effects().Holds }

// HoldService is the agent's hold service (a builtin "holds" service
// block), nil when it has none: its Go API (Pump, Refresh, GC, the records
// received, the scores).
func (a *Agent) HoldService() *holds.Service {
	if s, ok := serviceOf[*builtin.HoldsService](a); ok {
		return s.Service
	}
	return nil
}

// Reactive is the client of the reactive family, as this agent: it needs
// a service block with builtin = "reactive" in the deployment (without
// one, its calls are unknown_op).
func (a *Agent) Reactive() *facade.Reactive { return a.Effects().Reactive }

// Signals is the agent's reactive pipeline, or nil when its deployment
// declares none: its Go API (Subscribe, Register, Read, Emit, List).
func (a *Agent) Signals() *reactive.Pipeline {
	if s, ok := serviceOf[*builtin.ReactiveService](a); ok {
		return s.Pipeline
	}
	return nil
}

// Subscribe subscribes to a signal of the agent's reactive pipeline: its
// channel delivers the current value, then each new one (a subscriber that
// lags skips to the newest). Close it when done. Without a reactive
// service it is unavailable; an unknown signal is not_found.
func (a *Agent) Subscribe(signal string) (*reactive.Subscription, error) {
	p := a.Signals()
	if p == nil {
		return nil, &effects.Error{Code: effects.CodeUnavailable, Message: `this agent hosts no reactive pipeline: add service "signals" { builtin = "reactive" } to its deployment`}
	}
	return p.Subscribe(signal)
}

// Watch subscribes to a signal of the named agent ("": the only one) for
// the admin endpoint's watch stream (admin.Watcher): values is the
// subscription's channel, stop closes it.
func (g *Group) Watch(agent, signal string) (<-chan effects.Value, func(), error) {
	a, err := g.Agent(agent)
	if err != nil {
		return nil, nil, err
	}
	sub, err := a.Subscribe(signal)
	if err != nil {
		return nil, nil, err
	}
	return sub.C(), sub.Close, nil
}

var _ admin.Watcher = (*Group)(nil)

// Social is the agent's social topology, as this agent (social.*).
func (a *Agent) Social() *facade.Social { return a.Effects().Social }

// Selection is the agent's path selection, as this agent (selection.*).
func (a *Agent) Selection() *facade.Selection { return a.Effects().Selection }
