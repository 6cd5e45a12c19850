package scenario

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/policy"
)

// closeBound bounds closing a seed's simulation, which runs even after the
// caller's context ended (on Ctrl-C): the agents still get to shut down.
const closeBound = 10 * time.Second

// Scenario is a deployment ready to simulate for any seed: in simulation
// mode, its run blocks checked against their protocols (so that a mistake
// is reported at its line before any agent starts), with the rules that
// decide the choices left to the host.
type Scenario struct {
	File       string             // the deployment file, as the user named it
	Deployment *config.Deployment // in simulation mode
	Programs   []*vm.Program      // each run's, in Deployment.Runs order
	// Files serve the snippets of diagnostics: the deployment's and every
	// run's protocol source.
	Files map[string]*hcl.File
	// Rules decide choices the protocols leave to the host (session.ParseRules
	// over Programs); the seed decides the rest.
	Rules       []session.Rule
	Granularity policy.Granularity
	Builtins    func(string) (func() *sdk.Plugin, bool) // as sim.Config.Builtins
	Logger      hclog.Logger
	// Invariants are checked in every seed's simulation, after the
	// defaults (sim.Config.Invariants, sim.Config.NoDefaultInvariants).
	Invariants          []sim.Invariant
	NoDefaultInvariants bool
	// StateRoot is where each seed's simulation keeps its throwaway state
	// (sim.Config.StateRoot; default sim.MemoryTempDir()).
	StateRoot string
}

// Load checks a decoded deployment for simulation: it has run
// blocks, each run's protocol compiles and its roles map binds exactly the
// protocol's roles, and network faults have a simulated network to act on.
// sc is set (File and Deployment at least) even when diags has errors,
// for the snippets of sc.Files; set Rules, Builtins, Logger and
// Granularity before simulating.
func Load(file string, dep *config.Deployment) (sc *Scenario, diags hcl.Diagnostics) {
	dep = dep.WithMode(effects.Simulation)
	sc = &Scenario{File: file, Deployment: dep, Files: maps.Clone(dep.Files), Granularity: policy.Full}
	if len(dep.Runs) == 0 {
		diags = append(diags, noRunsDiagnostic(file, dep))
	}
	for _, r := range dep.Runs {
		prog, d := sc.checkRun(r)
		diags = append(diags, d...)
		sc.Programs = append(sc.Programs, prog)
	}
	return sc, append(append(diags, checkFaultTargets(dep)...), checkClockTargets(dep)...)
}

// noRunsDiagnostic says what a deployment needs before it can be simulated.
func noRunsDiagnostic(file string, dep *config.Deployment) *hcl.Diagnostic {
	agents := "alice"
	if len(dep.Agents) > 0 {
		agents = dep.Agents[0].Name
	}
	other := "bob"
	if len(dep.Agents) > 1 {
		other = dep.Agents[1].Name
	}
	detail := fmt.Sprintf(`%s declares no run block, so there is nothing to simulate. A run block names a protocol and binds each of its roles to an agent block:

  agent %q { allow = ["*"] }
  agent %q { allow = ["*"] }

  run "ping" {
    protocol = "protocols/ping_pong.hcl"   # relative to this file
    roles    = { Client = %q, Server = %q }
    timeout  = "1m"                        # virtual time
  }

examples/simulation/deployment.hcl is a complete one: four agents, faults, a guardian recovery.`, file, agents, other, agents, other)
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Nothing to simulate", Detail: detail}
	if dep.DeclRange.Filename != "" {
		d.Subject = dep.DeclRange.Ptr()
	}
	return d
}

// checkRun compiles a run's protocol and checks that its roles map binds
// exactly the protocol's roles. The protocol's source joins sc.Files, for
// the snippets of its diagnostics and of its faults later.
func (sc *Scenario) checkRun(r *config.Run) (*vm.Program, hcl.Diagnostics) {
	src, err := session.ReadProtocol(r.Protocol, sc.Deployment.MaxFileSize)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read protocol",
			Detail:  fmt.Sprintf("Run %q: %v.", r.Name, errors.Unwrap(err)),
			Subject: r.ProtocolRange.Ptr()}}
	}
	_, prog, files, diags := session.Compile(src, r.Protocol, r.ProtocolName)
	maps.Copy(sc.Files, files)
	if prog == nil {
		return nil, diags
	}
	var missing []string
	for _, role := range prog.Protocol.Roles {
		if _, ok := r.Roles[role]; !ok {
			missing = append(missing, role)
		}
	}
	if len(missing) > 0 {
		subject := r.RolesRange
		if subject.Filename == "" {
			subject = r.DeclRange
		}
		them, it := "the roles", "them"
		if len(missing) == 1 {
			them, it = "the role", "it"
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unbound roles",
			Detail: fmt.Sprintf("Run %q does not bind %s %s of protocol %q to an agent: add %s to its roles map, e.g. %q = \"<agent>\".",
				r.Name, them, strings.Join(missing, ", "), prog.Protocol.Name, it, missing[0]),
			Subject: subject.Ptr()})
	}
	for _, role := range slices.Sorted(maps.Keys(r.Roles)) {
		if !slices.Contains(prog.Protocol.Roles, role) {
			rng := r.RoleRanges[role]
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No such role",
				Detail: fmt.Sprintf("Run %q binds %s, which protocol %q does not have; its roles are %s.",
					r.Name, role, prog.Protocol.Name, strings.Join(prog.Protocol.Roles, ", ")),
				Subject: rng.Ptr()})
		}
	}
	return prog, diags
}

// networkFaults are the fault kinds the simulated network applies.
var networkFaults = []string{config.FaultPartition, config.FaultDrop, config.FaultDuplicate, config.FaultDelay, config.FaultReorder}

// checkFaultTargets reports network faults in a deployment that has no
// sim-network plugin in simulation mode: there would be nothing to apply
// them to, and the simulation would stop at the first.
func checkFaultTargets(dep *config.Deployment) hcl.Diagnostics {
	for _, p := range dep.EffectivePlugins() {
		if p.Builtin == "sim-network" {
			return nil
		}
	}
	var diags hcl.Diagnostics
	if sw := dep.Swarm; sw != nil && (sw.Drop > 0 || sw.Duplicate > 0 || sw.Delay.Max > 0 || sw.Partitions > 0 || sw.Reorder > 0) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No simulated network",
			Detail: `The swarm block draws network faults (drop, duplicate, delay, partitions, reorder), and no plugin of this deployment is builtin = "sim-network" in simulation mode. Swap the transport in the simulation block:

  simulation {
    plugin "network" { builtin = "sim-network" }
  }`,
			Subject: sw.DeclRange.Ptr()})
	}
	for _, f := range dep.Faults {
		if slices.Contains(networkFaults, f.Kind) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No simulated network",
				Detail: fmt.Sprintf(`A %s fault acts on the simulated network, and no plugin of this deployment is builtin = "sim-network" in simulation mode. Swap the transport in the simulation block:

  simulation {
    plugin "network" { builtin = "sim-network" }
  }`, f.Kind),
				Subject: f.DeclRange.Ptr()})
		}
	}
	return diags
}

// CheckSchedule reports faults a schedule given to SimulateSchedule (a
// fault file) cannot apply, each at its line: network faults in a
// deployment without a simulated network.
func (sc *Scenario) CheckSchedule(faults []*config.Fault) hcl.Diagnostics {
	dep := *sc.Deployment
	dep.Faults, dep.Swarm = faults, nil
	return append(checkFaultTargets(&dep), checkClockTargets(&dep)...)
}

// checkClockTargets reports clock skews in a deployment that has no
// sim-clock plugin in simulation mode: the skew is set on it.
func checkClockTargets(dep *config.Deployment) hcl.Diagnostics {
	for _, p := range dep.EffectivePlugins() {
		if p.Builtin == "sim-clock" {
			return nil
		}
	}
	const fix = `Swap the clock in the simulation block:

  simulation {
    plugin "clock" { builtin = "sim-clock" }
  }`
	var diags hcl.Diagnostics
	if sw := dep.Swarm; sw != nil && sw.ClockSkew.Max > 0 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No simulated clock",
			Detail:  `The swarm block draws clock skews (clock_skew), and no plugin of this deployment is builtin = "sim-clock" in simulation mode. ` + fix,
			Subject: sw.ClockSkew.Range.Ptr()})
	}
	for _, f := range dep.Faults {
		if f.Kind == config.FaultClockSkew {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No simulated clock",
				Detail:  `A clock_skew fault sets an agent's clock on the simulated clock, and no plugin of this deployment is builtin = "sim-clock" in simulation mode. ` + fix,
				Subject: f.DeclRange.Ptr()})
		}
	}
	return diags
}

// Simulate builds the agents for seed, runs every run block and shuts the
// agents down (bounded, even after ctx ends). It is safe to call from
// several goroutines at once: each seed's simulation is its own.
func (sc *Scenario) Simulate(ctx context.Context, seed uint64) (*sim.Outcome, error) {
	return sc.simulate(ctx, sc.Deployment, seed, nil)
}

// SimulateSchedule is Simulate with faults as the seed's whole fault
// schedule: the deployment's fault blocks and its swarm block are set
// aside, and faults (none, when empty) apply instead, listed on the
// bundle's swarm line. It is how the shrinker replays a candidate
// schedule, and how `simulate --faults` replays the one it printed.
func (sc *Scenario) SimulateSchedule(ctx context.Context, seed uint64, faults []*config.Fault) (*sim.Outcome, error) {
	dep := *sc.Deployment
	dep.Faults, dep.Swarm = nil, nil
	if faults == nil {
		faults = []*config.Fault{} // not nil: replayed as given, not drawn
	}
	return sc.simulate(ctx, &dep, seed, faults)
}

func (sc *Scenario) simulate(ctx context.Context, dep *config.Deployment, seed uint64, faults []*config.Fault) (*sim.Outcome, error) {
	cfg := sim.Config{Deployment: dep, Seed: seed, Builtins: sc.Builtins, Faults: faults,
		Logger: sc.Logger, Granularity: sc.Granularity, Invariants: sc.Invariants, NoDefaultInvariants: sc.NoDefaultInvariants,
		StateRoot: sc.StateRoot}
	if len(sc.Rules) > 0 {
		cfg.Decide = session.SeededDecider(sc.Rules, seed)
	}
	s, err := sim.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), closeBound)
		defer cancel()
		s.Close(cctx)
	}()
	return s.Run(ctx)
}
