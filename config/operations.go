package config

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
)

// CheckOperations reports every operation declared by more than one
// plugin. ops maps a plugin name to the operations it declared. The first
// plugin in file order keeps an operation; each later claimant gets one
// error at its plugin block naming the first plugin (and its line) and
// listing every operation they share. Plugins in ops but not in d are
// reported at the deployment block, after the declared ones, in name order.
func CheckOperations(d *Deployment, ops map[string][]effects.OpID) hcl.Diagnostics {
	type claimant struct {
		name string
		decl hcl.Range // zero when not declared in the file
	}
	var order []claimant
	for _, p := range d.Plugins {
		if _, ok := ops[p.Name]; ok {
			order = append(order, claimant{p.Name, p.DeclRange})
		}
	}
	var undeclared []string
	for name := range ops {
		if d.Plugin(name) == nil {
			undeclared = append(undeclared, name)
		}
	}
	slices.Sort(undeclared)
	for _, name := range undeclared {
		order = append(order, claimant{name, d.DeclRange})
	}

	owner := make(map[effects.OpID]claimant)
	var diags hcl.Diagnostics
	for _, c := range order {
		shared := make(map[string][]string) // first owner's name → ops
		var owners []claimant
		for _, op := range ops[c.name] {
			first, taken := owner[op]
			if !taken {
				owner[op] = c
				continue
			}
			if first.name == c.name {
				continue // declared twice by one plugin: Descriptor.Validate's job
			}
			if _, seen := shared[first.name]; !seen {
				owners = append(owners, first)
			}
			if !slices.Contains(shared[first.name], string(op)) {
				shared[first.name] = append(shared[first.name], string(op))
			}
		}
		for _, first := range owners {
			list := shared[first.name]
			slices.Sort(list)
			where := ""
			if first.decl != (hcl.Range{}) && d.Plugin(first.name) != nil {
				where = " (declared at " + lineOf(first.decl, c.decl) + ")"
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Operation served by two plugins",
				Detail: fmt.Sprintf("Plugin %q declares %s, which plugin %q%s already serves. Each operation is served by exactly one plugin: remove one of the two plugins, or replace one with a plugin that does not overlap.",
					c.name, joinList(list, "and"), first.name, where),
				Subject: c.decl.Ptr(),
			})
		}
	}
	return finish(diags, d.DeclRange)
}
