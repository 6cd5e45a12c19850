// Package simtest is the Go test API for simulations: it builds a
// deployment's agents in one process, in simulation mode with a seed, runs
// their protocols with the deployment's faults on virtual time, and gives
// the outcome and the trace bundle to assert on.
//
//	func TestRecovery(t *testing.T) {
//		sim := simtest.New(t, "deployment.hcl", 7)
//		out := sim.Run()
//		sim.RequireSuccess(out)
//		v, _ := out.Runs[0].Binding("Account", "granted_at")
//		...
//	}
//
// Built-in plugins run in process (no aura-host binary needed), with the
// same checks — the guard chain included — as plugin processes.
package simtest

import (
	"context"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/plugins"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/policy"
)

// Sim is a simulation under test. It is closed when the test ends.
type Sim struct {
	*sim.Simulation
	t testing.TB
}

// Option configures New.
type Option func(*sim.Config)

// WithGranularity sets how much the protocol traces record (default full).
func WithGranularity(g policy.Granularity) Option {
	return func(c *sim.Config) { c.Granularity = g }
}

// WithDecide makes the host pick branches with decide (for example, every
// guardian approves) instead of the seeded choice.
func WithDecide(decide func(req *vm.DecisionRequest, n uint64) (string, error)) Option {
	return func(c *sim.Config) { c.Decide = decide }
}

// WithLogger sends the agents' logs to l (default: discarded).
func WithLogger(l hclog.Logger) Option { return func(c *sim.Config) { c.Logger = l } }

// WithMaxVirtualTime ends the simulation at ms of virtual time.
func WithMaxVirtualTime(ms int64) Option {
	return func(c *sim.Config) { c.MaxVirtualMs = ms }
}

// New loads the deployment file and builds its simulation with seed. A
// configuration mistake fails the test with its file:line.
func New(t testing.TB, path string, seed uint64, opts ...Option) *Sim {
	t.Helper()
	dep, diags := config.Load(path, config.Options{Builtins: plugins.Names()})
	if diags.HasErrors() {
		t.Fatalf("load %s: %v", path, diags)
	}
	return FromDeployment(t, dep, seed, opts...)
}

// FromDeployment builds a simulation of an already decoded deployment.
func FromDeployment(t testing.TB, dep *config.Deployment, seed uint64, opts ...Option) *Sim {
	t.Helper()
	cfg := sim.Config{Deployment: dep, Seed: seed, Builtins: plugins.Lookup}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := sim.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("build simulation: %v", err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return &Sim{Simulation: s, t: t}
}

// Run runs every protocol run the deployment declares. An error building
// or driving the simulation fails the test; a failed run does not (it is
// in the outcome, to assert on).
func (s *Sim) Run() *sim.Outcome {
	s.t.Helper()
	out, err := s.Simulation.Run(context.Background())
	if err != nil {
		s.t.Fatalf("simulate: %v", err)
	}
	return out
}

// RequireSuccess fails the test, naming each failed run and its fault,
// unless every run completed.
func (s *Sim) RequireSuccess(out *sim.Outcome) {
	s.t.Helper()
	for _, r := range out.Runs {
		if r.Err != nil {
			s.t.Errorf("run %q failed at %dms of virtual time: %v", r.Name, r.FinishedMs, r.Err)
		}
	}
	if s.t.Failed() {
		s.t.FailNow()
	}
}
