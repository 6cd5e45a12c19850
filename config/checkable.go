package config

import (
	"maps"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Checkable returns the part of d that the checks after decoding
// (launching and describing its plugins, decoding their config blocks
// against the schemas they declare, checking their paths and the builtin
// services) can still run on when diags, the diagnostics d was decoded
// with, hold errors: d without the plugin and service blocks (mode
// overrides included) that hold an error, and without what depends on
// them — a plugin whose depends_on names one, a service hosted by one. So
// `aura-host validate` reports the mistakes of every block and phase in
// one pass, and none that only follows from another. It returns d itself
// when diags hold no error, and nil when the file did not parse into
// blocks or declares no plugin or service (nothing is left to check). d
// is not changed.
func (d *Deployment) Checkable(diags hcl.Diagnostics) *Deployment {
	if !diags.HasErrors() {
		return d
	}
	extents := blockExtents(d.Files)
	if len(extents) == 0 || len(d.Plugins) == 0 && len(d.Services) == 0 {
		return nil // the file did not parse, or declares nothing to launch
	}
	broken := func(decl hcl.Range) bool {
		whole, ok := extents[decl]
		if !ok {
			return true // not found in the file: do not trust it
		}
		for _, diag := range diags {
			if diag.Severity == hcl.DiagError && diag.Subject != nil && diag.Subject.Filename == whole.Filename &&
				diag.Subject.Start.Byte >= whole.Start.Byte && diag.Subject.Start.Byte < whole.End.Byte {
				return true
			}
		}
		return false
	}
	dropped := map[string]bool{}
	for _, p := range d.Plugins {
		if broken(p.DeclRange) {
			dropped[p.Name] = true
		}
	}
	for _, o := range d.Overrides {
		for _, p := range o.Plugins {
			if broken(p.DeclRange) {
				dropped[p.Name] = true
			}
		}
	}
	// A plugin that depends on a dropped one goes too, transitively.
	for changed := true; changed; {
		changed = false
		for _, p := range d.Plugins {
			if dropped[p.Name] {
				continue
			}
			for _, dep := range p.DependsOn {
				if dropped[dep] {
					dropped[p.Name], changed = true, true
					break
				}
			}
		}
	}
	c := *d
	c.Plugins = nil
	for _, p := range d.Plugins {
		if !dropped[p.Name] {
			c.Plugins = append(c.Plugins, p)
		}
	}
	if d.Overrides != nil {
		c.Overrides = maps.Clone(d.Overrides)
		for m, o := range d.Overrides {
			oc := *o
			oc.Plugins = nil
			for _, p := range o.Plugins {
				if !dropped[p.Name] {
					oc.Plugins = append(oc.Plugins, p)
				}
			}
			c.Overrides[m] = &oc
		}
	}
	c.Services = nil
	for _, s := range d.Services {
		if !broken(s.DeclRange) && !dropped[s.Plugin] {
			c.Services = append(c.Services, s)
		}
	}
	return &c
}

// blockExtents maps the header range of every block of the files (and of
// the blocks inside them) to the block's whole range.
func blockExtents(files map[string]*hcl.File) map[hcl.Range]hcl.Range {
	out := map[hcl.Range]hcl.Range{}
	var walk func(*hclsyntax.Body)
	walk = func(body *hclsyntax.Body) {
		for _, b := range body.Blocks {
			out[b.DefRange()] = b.Range()
			walk(b.Body)
		}
	}
	for _, f := range files {
		if body, ok := f.Body.(*hclsyntax.Body); ok {
			walk(body)
		}
	}
	return out
}
