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
// same checks — the guard chain included — as plugin processes. New checks
// the deployment as `aura-host simulate` does (scenario.Load: run
// blocks bound to their protocols' roles, faults with something to act
// on), WithDecideRules takes the CLI's --decide rules (host/session), and
// Bundle and RequireReplay read the trace bundle back and replay it with
// the same code as `aura-host trace replay` (bundle.Bundle).
package simtest

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/sim/bundle"
	"github.com/aurahost/aura-host/host/sim/scenario"
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
type Option func(*options)

type options struct {
	cfg   sim.Config
	rules []string // WithDecideRules, parsed against the run blocks' protocols
}

// WithGranularity sets how much the protocol traces record (default full).
func WithGranularity(g policy.Granularity) Option {
	return func(o *options) { o.cfg.Granularity = g }
}

// WithDecide makes the host pick branches with decide (for example, every
// guardian approves) instead of the seeded choice.
func WithDecide(decide func(req *vm.DecisionRequest, n uint64) (string, error)) Option {
	return func(o *options) { o.cfg.Decide = decide }
}

// WithDecideRules makes the host pick branches by rules written as for
// `aura-host simulate --decide` ("Guardian[*]=Approve"); the seed picks
// the others. A rule that names no role, or a label the host is never
// asked to choose, fails the test. It replaces WithDecide.
func WithDecideRules(rules ...string) Option {
	return func(o *options) { o.rules = append(o.rules, rules...) }
}

// WithLogger sends the agents' logs to l (default: discarded).
func WithLogger(l hclog.Logger) Option { return func(o *options) { o.cfg.Logger = l } }

// Invariant is a Go invariant for WithInvariants: check runs after every
// step of the simulation against a read-only view of it (the runs, the
// messages delivered, the receipts accepted, the flow budgets, the virtual
// time) and returns an error when the property does not hold.
func Invariant(name string, check func(v *sim.View) error) sim.Invariant {
	return sim.Invariant{Name: name, Check: check}
}

// WithInvariants checks invs after every step, after the built-in
// defaults (sim.DefaultInvariants): the first violated one stops the
// simulation, and Outcome.Violation names it.
func WithInvariants(invs ...sim.Invariant) Option {
	return func(o *options) { o.cfg.Invariants = append(o.cfg.Invariants, invs...) }
}

// WithoutDefaultInvariants turns the built-in default invariants off.
func WithoutDefaultInvariants() Option {
	return func(o *options) { o.cfg.NoDefaultInvariants = true }
}

// WithMaxVirtualTime ends the simulation at ms of virtual time.
func WithMaxVirtualTime(ms int64) Option {
	return func(o *options) { o.cfg.MaxVirtualMs = ms }
}

// New loads the deployment file, checks it as `aura-host simulate` does
// (scenario.Load) and builds its simulation with seed. A configuration
// mistake fails the test with its file:line.
func New(t testing.TB, path string, seed uint64, opts ...Option) *Sim {
	t.Helper()
	dep, diags := config.Load(path, config.Options{Builtins: plugins.Names()})
	if diags.HasErrors() {
		t.Fatalf("load %s: %v", path, diags)
	}
	return FromDeployment(t, dep, seed, opts...)
}

// FromDeployment checks an already decoded deployment as New does and
// builds its simulation.
func FromDeployment(t testing.TB, dep *config.Deployment, seed uint64, opts ...Option) *Sim {
	t.Helper()
	sc, diags := scenario.Load(dep.DeclRange.Filename, dep)
	if diags.HasErrors() {
		t.Fatalf("simulate %s: %v", dep.Name, diags)
	}
	o := options{cfg: sim.Config{Deployment: dep, Seed: seed, Builtins: plugins.Lookup}}
	for _, opt := range opts {
		opt(&o)
	}
	cfg := o.cfg
	if len(o.rules) > 0 {
		rules, err := session.ParseRules(o.rules, sc.Programs...)
		if err != nil {
			t.Fatalf("simulate %s: %v", dep.Name, err)
		}
		cfg.Decide = session.SeededDecider(rules, seed)
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

// RequireSuccess fails the test, naming each failed run and its fault
// and the violated invariant, unless every run completed and every
// invariant held.
func (s *Sim) RequireSuccess(out *sim.Outcome) {
	s.t.Helper()
	if out.Violation != nil {
		s.t.Errorf("%v", out.Violation)
	}
	for _, r := range out.Runs {
		if r.Err != nil {
			s.t.Errorf("run %q failed at %dms of virtual time: %v", r.Name, r.FinishedMs, r.Err)
		}
	}
	if s.t.Failed() {
		s.t.FailNow()
	}
}

// Bundle reads the outcome's trace bundle back, as `aura-host trace diff`
// and `trace replay` read a recorded one.
func (s *Sim) Bundle(out *sim.Outcome) *bundle.Bundle {
	s.t.Helper()
	b, err := bundle.Read("bundle", out.Bundle.Bytes())
	if err != nil {
		s.t.Fatalf("read the bundle back: %v", err)
	}
	return b
}

// RequireReplay fails the test unless every machine trace of the outcome's
// bundle replays with no plugins (or, for a run that failed, up to where
// the simulation stopped it), as `aura-host trace replay` checks.
func (s *Sim) RequireReplay(out *sim.Outcome) {
	s.t.Helper()
	for _, r := range s.Bundle(out).Replay(context.Background()) {
		if r.Status != session.Replayed && r.Status != session.StoppedByRun {
			s.t.Errorf("run %s, role %s (agent %s) does not replay: status %d, fault %v, error %v", r.Run, r.Role, r.Agent, r.Status, r.Fault, r.Err)
		}
	}
	if s.t.Failed() {
		s.t.FailNow()
	}
}

// RequireSameBundle fails the test unless the two outcomes' bundles are
// the same bytes, printing where they first differ as `aura-host trace
// diff` does (bundle.WriteDiff).
func (s *Sim) RequireSameBundle(a, b *sim.Outcome) {
	s.t.Helper()
	var diff strings.Builder
	if !bundle.WriteDiff(&diff, "A", "B", s.Bundle(a), s.Bundle(b), 3) {
		s.t.Fatalf("the bundles differ:\n%s", diff.String())
	}
}
