package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// Service is a service block: a service (recovery, invitation, ...) that
// runs on a plugin, or one the agent runtime hosts in process (builtin:
// the reactive pipeline, the local health observer, holds, ...), and
// joins the dependency graph.
//
//	service "recovery" {
//	  plugin     = "recovery"   # the plugin block hosting it; default: the service's name
//	  depends_on = ["journal"]  # plugins or services to start first
//	}
//
//	service "reactive" {
//	  builtin    = "reactive"   # hosted by the agent runtime (see `aura-host plugins`)
//	  depends_on = ["journal"]
//	  config { batch_window_ms = 5 }
//	}
//
// Which builtins exist, and what their config blocks take, is the agent
// runtime's to say (host/agent); config checks the block's shape only.
type Service struct {
	// Name is the block's label, unique among services. It may equal the
	// name of the plugin hosting the service, and no other plugin's.
	Name      string
	NameRange hcl.Range
	// DeclRange is the block header, `service "name"`.
	DeclRange hcl.Range

	// Plugin names the plugin block that hosts the service; the service's
	// own name when the attribute is absent (PluginRange is then zero).
	Plugin      string
	PluginRange hcl.Range

	// Builtin names the kind of service the agent runtime hosts in
	// process; "" for a service on a plugin. A builtin service has no
	// plugin (Plugin is "").
	Builtin      string
	BuiltinRange hcl.Range

	// Config is the raw body of a builtin service's config block (nil if
	// there is none), decoded by DecodeServiceConfig against the schema
	// its kind declares.
	Config      hcl.Body
	ConfigRange hcl.Range

	// DependsOn names the plugins and services this service starts after,
	// as for Plugin.DependsOn.
	DependsOn       []string
	DependsOnRange  hcl.Range
	DependsOnRanges []hcl.Range
}

var serviceSpec = bodySpec[Service]{
	where: "in a service block",
	attrs: []attrSpec[Service]{
		{name: "plugin", decode: func(d *decoder, s *Service, a *hcl.Attribute) {
			s.PluginRange = a.Expr.Range()
			if name, ok := d.stringAttr(a, `"recovery"`); ok {
				s.Plugin = name
			}
		}},
		{name: "depends_on", decode: func(d *decoder, s *Service, a *hcl.Attribute) {
			s.DependsOn, s.DependsOnRange, s.DependsOnRanges = d.dependsOn(a)
		}},
		{name: "builtin", decode: func(d *decoder, s *Service, a *hcl.Attribute) {
			s.BuiltinRange = a.Expr.Range()
			if name, ok := d.stringAttr(a, `"reactive"`); ok {
				s.Builtin = name
			}
		}},
	},
	blocks: []blockSpec[Service]{
		{typ: "config", single: true, decode: func(d *decoder, s *Service, b *hcl.Block) {
			s.Config, s.ConfigRange = b.Body, b.DefRange
			d.checkConfigBody(b.Body)
		}},
	},
}

// Service returns the service declared with name, or nil.
func (d *Deployment) Service(name string) *Service {
	for _, s := range d.Services {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func decodeServiceBlock(d *decoder, dep *Deployment, b *hcl.Block) {
	s := &Service{Name: b.Labels[0], NameRange: b.LabelRanges[0], DeclRange: b.DefRange}
	duplicate := false
	if !validName(s.Name) {
		d.add(invalidName("service", s.Name, s.NameRange))
	} else if first := dep.Service(s.Name); first != nil {
		duplicate = true
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Duplicate service name",
			Detail:   fmt.Sprintf("A service named %q is already declared at %s. Service names must be unique: rename or remove one of them.", s.Name, lineOf(first.NameRange, s.NameRange)),
			Subject:  s.NameRange.Ptr(),
		})
	}
	serviceSpec.decode(d, s, b.Body)
	switch {
	case s.BuiltinRange != (hcl.Range{}) && s.PluginRange != (hcl.Range{}):
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Service with both plugin and builtin",
			Detail:   fmt.Sprintf("Service %q says both where it runs (plugin) and that the agent runtime hosts it (builtin). Keep one: plugin = \"<name>\" for a service plugin, builtin = \"<kind>\" for a service the runtime hosts.", s.Name),
			Subject:  s.BuiltinRange.Ptr(),
		})
	case s.ConfigRange != (hcl.Range{}) && s.BuiltinRange == (hcl.Range{}):
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Config block on a plugin's service",
			Detail:   fmt.Sprintf("Service %q runs on a plugin, whose settings belong in its plugin block's config { }. Move the block there (only builtin services take a config block).", s.Name),
			Subject:  s.ConfigRange.Ptr(),
		})
	case s.BuiltinRange == (hcl.Range{}) && s.PluginRange == (hcl.Range{}):
		s.Plugin = s.Name
	}
	if !duplicate {
		dep.Services = append(dep.Services, s)
	}
}

// checkServices checks that each service runs on a declared plugin, and
// that its name does not stand for a different plugin too.
func (d *decoder) checkServices(dep *Deployment) {
	var plugins []string
	for _, p := range dep.Plugins {
		plugins = append(plugins, p.Name)
	}
	for _, p := range dep.Plugins {
		for i, name := range p.DependsOn {
			if s := dep.Service(name); s != nil && s.Builtin != "" && i < len(p.DependsOnRanges) {
				d.add(&hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Plugin depending on a builtin service",
					Detail:   fmt.Sprintf("Plugin %q depends on service %q, which the agent runtime hosts: those services start after every plugin (they call the plugins), so a plugin cannot wait for one. Remove %q from its depends_on.", p.Name, name, name),
					Subject:  p.DependsOnRanges[i].Ptr(),
				})
			}
		}
	}
	for _, on := range dep.Services {
		for i, name := range on.DependsOn {
			if s := dep.Service(name); on.Builtin == "" && s != nil && s.Builtin != "" && i < len(on.DependsOnRanges) {
				d.add(&hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Plugin's service depending on a builtin service",
					Detail:   fmt.Sprintf("Service %q runs on plugin %q and depends on service %q, which the agent runtime hosts: those services start after every plugin, so the plugin's service cannot wait for one. Remove %q from its depends_on.", on.Name, on.Plugin, name, name),
					Subject:  on.DependsOnRanges[i].Ptr(),
				})
			}
		}
	}
	for _, s := range dep.Services {
		switch {
		case s.BuiltinRange != (hcl.Range{}):
			if p := dep.Plugin(s.Name); p != nil {
				d.add(&hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Service named like a plugin",
					Detail:   fmt.Sprintf("Builtin service %q has the name of the plugin declared at %s, so depends_on = [%q] could mean either. Rename one of them.", s.Name, lineOf(p.NameRange, s.NameRange), s.Name),
					Subject:  s.NameRange.Ptr(),
				})
			}
		case s.PluginRange == (hcl.Range{}) && dep.Plugin(s.Name) == nil:
			if !validName(s.Name) {
				continue
			}
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Service without a plugin",
				Detail:   fmt.Sprintf("Service %q runs on the plugin of the same name by default, but no plugin %q is declared. Declare plugin %q { ... }, or name the plugin that hosts it: plugin = \"<name>\".%s", s.Name, s.Name, s.Name, didYouMeanPlugin(s.Name, plugins)),
				Subject:  s.NameRange.Ptr(),
			})
		case s.PluginRange != (hcl.Range{}) && s.Plugin != "" && dep.Plugin(s.Plugin) == nil:
			declared := ""
			if len(plugins) > 0 {
				declared = " Declared plugins: " + quotedList(plugins, "and") + "."
			}
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown plugin",
				Detail:   fmt.Sprintf("Service %q runs on plugin %q, but no plugin block is named %q.%s%s", s.Name, s.Plugin, s.Plugin, didYouMean(s.Plugin, plugins), declared),
				Subject:  s.PluginRange.Ptr(),
			})
		case s.Plugin != s.Name && dep.Plugin(s.Name) != nil:
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Service named like another plugin",
				Detail:   fmt.Sprintf("Service %q runs on plugin %q, but a plugin named %q is declared at %s, so depends_on = [%q] could mean either. Rename the service, or let it run on plugin %q.", s.Name, s.Plugin, s.Name, lineOf(dep.Plugin(s.Name).NameRange, s.NameRange), s.Name, s.Name),
				Subject:  s.NameRange.Ptr(),
			})
		}
	}
}

// didYouMeanPlugin suggests a plugin for a service's default: " Did you
// mean plugin = \"x\"?" or "".
func didYouMeanPlugin(name string, plugins []string) string {
	if s := suggest(name, plugins); s != "" {
		return fmt.Sprintf(" Did you mean plugin = %q?", s)
	}
	return ""
}
