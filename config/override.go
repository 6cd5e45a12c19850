package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
)

// Override is a mode block: the plugins a deployment swaps in when it runs
// in that mode, and (simulation only) the seed.
//
//	simulation {
//	  seed = 7
//	  plugin "clock" { builtin = "sim-clock" }
//	}
//	testing {
//	  plugin "storage" { builtin = "sim-storage" }
//	}
//
// Each plugin block in it is a full plugin block, decoded like a top-level
// one, and overrides the top-level plugin of the same name, which must be
// declared. The merge rule (see EffectivePlugins): the override replaces
// the plugin's source and configuration — builtin, command, args, env,
// sha256, config — and its position (diagnostics about the plugin in that
// mode point at the override); the lifecycle settings — depends_on, start,
// stop_timeout and the health, restart and call blocks — are kept from the
// top-level plugin unless the override writes them (a block is replaced
// whole, never merged field by field).
type Override struct {
	// Mode is effects.Testing or effects.Simulation.
	Mode effects.Mode
	// DeclRange is the block header, `simulation` or `testing`.
	DeclRange hcl.Range

	// Seed replaces the deployment's seed in simulation mode; nil when
	// absent (always nil in a testing block).
	Seed      *uint64
	SeedRange hcl.Range

	// Plugins are the overriding plugin blocks, in file order.
	Plugins []*Plugin
}

var overridePluginBlock = blockSpec[Override]{typ: "plugin", labels: []string{"name"}, decode: func(d *decoder, o *Override, b *hcl.Block) {
	if p := d.decodePlugin(b, o.Plugins, fmt.Sprintf("the %s block overrides each plugin once", o.Mode)); p != nil {
		o.Plugins = append(o.Plugins, p)
	}
}}

var simulationSpec = bodySpec[Override]{
	where: "in the simulation block",
	attrs: []attrSpec[Override]{
		{name: "seed", decode: func(d *decoder, o *Override, a *hcl.Attribute) {
			if n, ok := d.uintAttr(a, "7"); ok {
				o.Seed, o.SeedRange = &n, a.Expr.Range()
			}
		}},
	},
	blocks: []blockSpec[Override]{overridePluginBlock},
	elsewhere: func(name string) string {
		return overrideElsewhere(name)
	},
}

var testingSpec = bodySpec[Override]{
	where:  "in the testing block",
	blocks: []blockSpec[Override]{overridePluginBlock},
	elsewhere: func(name string) string {
		if name == "seed" {
			return "Testing mode takes its seed from the deployment block (seed = 7 there); only a simulation block may set its own."
		}
		return overrideElsewhere(name)
	},
}

func overrideElsewhere(name string) string {
	if pluginSpec.attr(name) != nil || pluginSpec.block(name) != nil {
		return fmt.Sprintf("%s belongs inside a plugin block: plugin \"<name>\" { %s ... }.", name, name)
	}
	return ""
}

func decodeOverrideBlock(mode effects.Mode, spec *bodySpec[Override]) func(*decoder, *Deployment, *hcl.Block) {
	return func(d *decoder, dep *Deployment, b *hcl.Block) {
		o := &Override{Mode: mode, DeclRange: b.DefRange}
		spec.decode(d, o, b.Body)
		if dep.Overrides == nil {
			dep.Overrides = make(map[effects.Mode]*Override)
		}
		dep.Overrides[mode] = o
	}
}

// checkOverrides reports override plugin blocks that name no top-level
// plugin.
func (d *decoder) checkOverrides(dep *Deployment) {
	var names []string
	for _, p := range dep.Plugins {
		names = append(names, p.Name)
	}
	for _, m := range overrideModes {
		o := dep.Overrides[m]
		if o == nil {
			continue
		}
		for _, p := range o.Plugins {
			if dep.Plugin(p.Name) != nil {
				continue
			}
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Override of an undeclared plugin",
				Detail: fmt.Sprintf("The %s block overrides plugin %q, but no plugin %q is declared at the top level.%s A plugin in a mode block replaces the top-level plugin of the same name in that mode: declare plugin %q { ... } at the top level, or fix the name.",
					m, p.Name, p.Name, didYouMean(p.Name, names), p.Name),
				Subject: p.NameRange.Ptr(),
			})
		}
	}
}

// EffectivePlugins returns the plugins in effect in d.Mode: the top-level
// plugins in declaration order, each replaced by its override in the mode
// block of d.Mode if there is one. An overridden plugin is a new Plugin:
// the override's fields, plus depends_on, start, stop_timeout, health,
// restart and call from the top-level plugin where the override does not
// write them (see Override). Plugins without an override are returned as
// they are in Plugins.
func (d *Deployment) EffectivePlugins() []*Plugin { return d.pluginsIn(d.Mode) }

func (d *Deployment) pluginsIn(m effects.Mode) []*Plugin {
	out := make([]*Plugin, 0, len(d.Plugins))
	for _, p := range d.Plugins {
		if o := d.overrideIn(m, p.Name); o != nil {
			p = merge(p, o)
		}
		out = append(out, p)
	}
	return out
}

// Override returns the plugin block that overrides the plugin called name
// in d.Mode, or nil if none does, so a problem with the swapped plugin (it
// serves other operations than the one it replaces) can be reported at the
// override.
func (d *Deployment) Override(name string) *Plugin { return d.overrideIn(d.Mode, name) }

func (d *Deployment) overrideIn(m effects.Mode, name string) *Plugin {
	if o := d.Overrides[m]; o != nil {
		return findPlugin(o.Plugins, name)
	}
	return nil
}

// merge applies override o to top-level plugin p, by the rule documented on
// Override.
func merge(p, o *Plugin) *Plugin {
	m := *o
	var zero hcl.Range
	if o.DependsOnRange == zero {
		m.DependsOn, m.DependsOnRange, m.DependsOnRanges = p.DependsOn, p.DependsOnRange, p.DependsOnRanges
	}
	if o.StartRange == zero {
		m.Start, m.StartRange = p.Start, p.StartRange
	}
	if o.StopTimeoutRange == zero {
		m.StopTimeout, m.StopTimeoutRange = p.StopTimeout, p.StopTimeoutRange
	}
	if o.Health == nil {
		m.Health = p.Health
	}
	if o.Restart == nil {
		m.Restart = p.Restart
	}
	if o.Call == nil {
		m.Call = p.Call
	}
	return &m
}

// WithMode returns a copy of d that runs in mode m, for a command-line
// --mode that overrides the file: EffectivePlugins, Override and
// StartOrder then follow m, and Seed (with SeedRange) is the simulation
// block's seed in simulation mode when that block sets one, else the
// deployment block's. With m empty (no --mode) it returns d itself. The
// copy shares every block with d; treat both as read-only.
func (d *Deployment) WithMode(m effects.Mode) *Deployment {
	if m == "" {
		return d
	}
	c := *d
	c.Mode = m
	sim := d.Overrides[effects.Simulation]
	switch {
	case m == effects.Simulation && sim != nil && sim.Seed != nil:
		c.Seed, c.SeedRange = *sim.Seed, sim.SeedRange
	case sim != nil && sim.Seed != nil && d.SeedRange == sim.SeedRange:
		// Leaving simulation mode: back to the deployment block's seed.
		c.Seed, c.SeedRange = d.declSeed, d.declSeedRange
	}
	return &c
}

// WithSeed returns a copy of d whose Seed is seed, for a command-line
// --seed that overrides the file's (SeedRange still points at the file's
// seed attribute). The copy shares every block with d; treat both as
// read-only.
func (d *Deployment) WithSeed(seed uint64) *Deployment {
	c := *d
	c.Seed = seed
	return &c
}

// applyModeSeed makes Seed the simulation block's when the file's mode is
// simulation, remembering the deployment block's seed for WithMode.
func (d *Deployment) applyModeSeed() {
	d.declSeed, d.declSeedRange = d.Seed, d.SeedRange
	if d.Mode == effects.Simulation {
		if sim := d.Overrides[effects.Simulation]; sim != nil && sim.Seed != nil {
			d.Seed, d.SeedRange = *sim.Seed, sim.SeedRange
		}
	}
}
