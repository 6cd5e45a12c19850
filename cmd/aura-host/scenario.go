package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/plugins"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/policy"
)

// scenario is what `simulate` runs: a deployment in simulation mode whose
// run blocks have been checked against their protocols, so that a mistake
// is reported at its line before any agent starts, and the --decide rules.
type scenario struct {
	file   string             // the deployment file, as the user named it
	dep    *config.Deployment // in simulation mode
	progs  []*vm.Program      // each run's, in dep.Runs order
	files  map[string]*hcl.File
	rules  []decideRule
	gran   policy.Granularity
	logger hclog.Logger
}

// loadScenario loads and checks a deployment for simulation. Mistakes are
// printed as diagnostics and end the command with status 1.
func loadScenario(file string, decide []string, gran policy.Granularity, logger hclog.Logger) (*scenario, error) {
	dep, err := loadDeployment(file)
	if err != nil {
		return nil, err
	}
	dep = dep.WithMode(effects.Simulation)
	sc := &scenario{file: file, dep: dep, files: maps.Clone(dep.Files), gran: gran, logger: logger}
	var diags hcl.Diagnostics
	if len(dep.Runs) == 0 {
		diags = append(diags, noRunsDiagnostic(file, dep))
	}
	for _, r := range dep.Runs {
		prog, d := sc.checkRun(r)
		diags = append(diags, d...)
		sc.progs = append(sc.progs, prog)
	}
	diags = append(diags, checkFaultTargets(dep)...)
	if len(diags) > 0 {
		_ = config.WriteDiagnostics(stderr, sc.files, diags, colorful(stderr))
	}
	if diags.HasErrors() {
		return nil, &exitError{code: 1}
	}
	if sc.rules, err = parseDecideRules(decide, sc.progs...); err != nil {
		return nil, err
	}
	return sc, nil
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
// exactly the protocol's roles. The protocol's source joins sc.files, for
// the snippets of its diagnostics and of its faults later.
func (sc *scenario) checkRun(r *config.Run) (*vm.Program, hcl.Diagnostics) {
	src, err := readProtocolFile(r.Protocol)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read protocol",
			Detail:  fmt.Sprintf("Run %q: %v.", r.Name, errors.Unwrap(err)),
			Subject: r.ProtocolRange.Ptr()}}
	}
	_, prog, files, diags := compileProtocol(src, r.Protocol, r.ProtocolName)
	maps.Copy(sc.files, files)
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
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unbound roles",
			Detail: fmt.Sprintf("Run %q does not bind %s %s of protocol %q to an agent: add %s to its roles map, e.g. %q = \"<agent>\".",
				r.Name, pluralWord(len(missing), "the role", "the roles"), strings.Join(missing, ", "), prog.Protocol.Name,
				pluralWord(len(missing), "it", "them"), missing[0]),
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
var networkFaults = []string{config.FaultPartition, config.FaultDrop, config.FaultDuplicate, config.FaultDelay}

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

// simulate builds the agents for seed, runs every run block and shuts the
// agents down. It prints nothing (sweeps call it from several goroutines):
// report an error with hostError.
func (sc *scenario) simulate(ctx context.Context, seed uint64) (*sim.Outcome, error) {
	cfg := sim.Config{Deployment: sc.dep, Seed: seed, Builtins: plugins.Lookup,
		Logger: sc.logger, Granularity: sc.gran}
	if len(sc.rules) > 0 {
		cfg.Decide = seededDecider(sc.rules, seed)
	}
	sim, err := sim.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer func() {
		cctx, cancel := closeContext()
		defer cancel()
		sim.Close(cctx)
	}()
	return sim.Run(ctx)
}

// hostError prints configuration mistakes the host found building or
// running the simulation of seed (a plugin's config block, say) with their
// snippets; other errors pass through, naming the seed.
func (sc *scenario) hostError(seed uint64, err error) error {
	var de *host.DiagnosticsError
	if !errors.As(err, &de) {
		return fmt.Errorf("simulate %s with seed %d: %w", sc.file, seed, err)
	}
	_ = config.WriteDiagnostics(stderr, sc.files, de.Diagnostics, colorful(stderr))
	if rest := errors.Join(withoutDiagnostics(err)...); rest != nil {
		fmt.Fprintln(stderr, "Error:", rest)
	}
	return &exitError{code: 1}
}

// seededDecider applies the --decide rules, and leaves every other choice
// to the seed exactly as a run without rules would: a RegistryEffects with the
// simulation's seed answers every decision, so that its per-role counters
// advance as the simulation's own would, and its answer is kept only when
// no rule applies.
func seededDecider(rules []decideRule, seed uint64) func(*vm.DecisionRequest, uint64) (string, error) {
	seeded := vm.NewRegistryEffects(vm.RegistryEffectsConfig{Seed: seed})
	return func(req *vm.DecisionRequest, _ uint64) (string, error) {
		// The seeded choice only checks the context for cancellation; the
		// simulation's own context reaches the machine, not this callback.
		label, err := seeded.Decide(context.Background(), req)
		if picked, ok := pick(rules, req); ok {
			return picked, nil
		}
		return label, err
	}
}
