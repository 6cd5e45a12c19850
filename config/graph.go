package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
)

// The dependency graph: plugins and services are its nodes, named by their
// labels, and depends_on entries its edges. A service also depends on the
// plugin that hosts it; a service named like its own plugin is one node
// with the dependencies of both. Plugins and services start level by level
// (StartOrder) and stop in the reverse order.

// dependsOn decodes a depends_on list: the names, the whole list's range
// and one range per name. A name listed twice is reported and kept once.
func (d *decoder) dependsOn(a *hcl.Attribute) ([]string, hcl.Range, []hcl.Range) {
	items, ok := d.stringListAttr(a, `["crypto", "storage"]`)
	if !ok {
		return nil, a.Expr.Range(), nil
	}
	names := make([]string, 0, len(items))
	ranges := make([]hcl.Range, 0, len(items))
	for _, it := range items {
		if i := slices.Index(names, it.Value); i >= 0 {
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate dependency",
				Detail:   fmt.Sprintf("depends_on lists %q twice; the first is at %s. Remove one.", it.Value, lineOf(ranges[i], it.ValueRange)),
				Subject:  it.ValueRange.Ptr(),
			})
			continue
		}
		names = append(names, it.Value)
		ranges = append(ranges, it.ValueRange)
	}
	return names, a.Expr.Range(), ranges
}

// depNode is a plugin or service in the dependency graph.
type depNode struct {
	name  string
	decl  hcl.Range // the first block declaring it, for ordering
	edges []depEdge
}

// depEdge is one dependency of a node.
type depEdge struct {
	to string
	// at is the depends_on element; the zero Range for the implicit edge
	// from a service to the plugin hosting it.
	at hcl.Range
	// owner is the kind of block whose depends_on holds the edge.
	owner string
}

type depGraph struct {
	nodes  []*depNode // in declaration order
	byName map[string]*depNode
}

// graph builds the dependency graph of the given plugins (the top-level
// ones, or those in effect in a mode) and d's services.
func (d *Deployment) graph(plugins []*Plugin) *depGraph {
	g := &depGraph{byName: make(map[string]*depNode)}
	add := func(name string, decl hcl.Range) *depNode {
		if n := g.byName[name]; n != nil {
			if before(decl, n.decl) {
				n.decl = decl
			}
			return n
		}
		n := &depNode{name: name, decl: decl}
		g.nodes = append(g.nodes, n)
		g.byName[name] = n
		return n
	}
	edges := func(n *depNode, owner string, names []string, ranges []hcl.Range) {
		for i, to := range names {
			e := depEdge{to: to, owner: owner}
			if i < len(ranges) {
				e.at = ranges[i]
			}
			n.edges = append(n.edges, e)
		}
	}
	for _, p := range plugins {
		edges(add(p.Name, d.declOf(p)), "plugin", p.DependsOn, p.DependsOnRanges)
	}
	for _, s := range d.Services {
		n := add(s.Name, s.DeclRange)
		edges(n, "service", s.DependsOn, s.DependsOnRanges)
		if s.Plugin != s.Name && s.Plugin != "" {
			n.edges = append(n.edges, depEdge{to: s.Plugin, owner: "service"})
		}
	}
	slices.SortStableFunc(g.nodes, func(a, b *depNode) int {
		switch {
		case before(a.decl, b.decl):
			return -1
		case before(b.decl, a.decl):
			return 1
		}
		return 0
	})
	return g
}

// declOf is where plugin p is declared at the top level (an override in
// effect takes the place of the plugin it overrides).
func (d *Deployment) declOf(p *Plugin) hcl.Range {
	if top := d.Plugin(p.Name); top != nil {
		return top.DeclRange
	}
	return p.DeclRange
}

// StartOrder returns the plugins and services in effect in d.Mode (see
// EffectivePlugins) in levels: every member of a level depends only on
// members of earlier levels, so the host may start a level's members
// concurrently once the previous level is ready, and stop in the reverse
// order. Each level lists names in declaration order; a service named like
// its plugin appears once. Dependencies on undeclared names are ignored;
// members of a dependency cycle (an error Parse reports) come last, in one
// level.
func (d *Deployment) StartOrder() [][]string {
	g := d.graph(d.EffectivePlugins())
	placed := make(map[string]bool, len(g.nodes))
	remaining := g.nodes
	var levels [][]string
	for len(remaining) > 0 {
		var level []string
		var rest []*depNode
		for _, n := range remaining {
			ready := true
			for _, e := range n.edges {
				if e.to != n.name && g.byName[e.to] != nil && !placed[e.to] {
					ready = false
					break
				}
			}
			if ready {
				level = append(level, n.name)
			} else {
				rest = append(rest, n)
			}
		}
		if len(level) == 0 {
			for _, n := range rest {
				level = append(level, n.name)
			}
			rest = nil
		}
		for _, name := range level {
			placed[name] = true
		}
		levels = append(levels, level)
		remaining = rest
	}
	return levels
}

// checkDependencies checks every depends_on entry (it names a declared
// plugin or service, not its own block) and reports each dependency cycle,
// at the entry that closes it. The graph is checked as declared at the top
// level, and again for each mode whose overrides change a depends_on.
func (d *decoder) checkDependencies(dep *Deployment) {
	var known []string
	for _, p := range dep.Plugins {
		known = append(known, p.Name)
	}
	for _, s := range dep.Services {
		if !slices.Contains(known, s.Name) {
			known = append(known, s.Name)
		}
	}
	for _, p := range dep.Plugins {
		d.checkDependsOn(dep, "Plugin", p.Name, p.DependsOn, p.DependsOnRanges, known)
	}
	for _, m := range overrideModes {
		if o := dep.Overrides[m]; o != nil {
			for _, p := range o.Plugins {
				d.checkDependsOn(dep, "Plugin", p.Name, p.DependsOn, p.DependsOnRanges, known)
			}
		}
	}
	for _, s := range dep.Services {
		d.checkDependsOn(dep, "Service", s.Name, s.DependsOn, s.DependsOnRanges, known)
	}

	reported := &cycleReports{at: make(map[hcl.Range]bool), cycles: make(map[string]bool)}
	d.checkCycles(dep.graph(dep.Plugins), reported)
	for _, m := range overrideModes {
		o := dep.Overrides[m]
		if o == nil || !slices.ContainsFunc(o.Plugins, func(p *Plugin) bool { return p.DependsOnRange != (hcl.Range{}) }) {
			continue
		}
		d.checkCycles(dep.graph(dep.pluginsIn(m)), reported)
	}
}

func (d *decoder) checkDependsOn(dep *Deployment, kind, name string, deps []string, ranges []hcl.Range, known []string) {
	for i, to := range deps {
		if i >= len(ranges) {
			return
		}
		switch {
		case to == name:
			why := fmt.Sprintf("A %s cannot wait for itself to start", strings.ToLower(kind))
			if s := dep.Service(name); s != nil && kind == "Service" && s.Plugin == name {
				why = fmt.Sprintf("Service %q always starts after plugin %q, which hosts it, without saying so", name, name)
			}
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Self dependency",
				Detail:   fmt.Sprintf("%s %q lists itself in depends_on. %s: remove %q from the list.", kind, name, why, to),
				Subject:  ranges[i].Ptr(),
			})
		case !slices.Contains(known, to):
			declared := ""
			if len(known) > 0 {
				declared = " Declared: " + quotedList(slices.Sorted(slices.Values(known)), "and") + "."
			}
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown dependency",
				Detail:   fmt.Sprintf("%s %q depends on %q, but no plugin or service of this deployment is named %q.%s depends_on names plugin and service blocks.%s", kind, name, to, to, didYouMean(to, known), declared),
				Subject:  ranges[i].Ptr(),
			})
		}
	}
}

// cycleReports remembers the cycles reported, so that a cycle found again
// (through a parallel edge, or in the graph of another mode) is reported
// once.
type cycleReports struct {
	at     map[hcl.Range]bool // depends_on entries reported
	cycles map[string]bool    // the names of each cycle reported, in order
}

// checkCycles reports each cycle of g once, at the depends_on entry that
// closes it when the graph is walked in declaration order.
func (d *decoder) checkCycles(g *depGraph, reported *cycleReports) {
	const (
		unvisited = iota
		onPath
		done
	)
	state := make(map[string]int, len(g.nodes))
	var path []*depNode
	var via []depEdge // via[i] leads from path[i] to path[i+1]
	var visit func(n *depNode)
	visit = func(n *depNode) {
		state[n.name] = onPath
		path = append(path, n)
		for _, e := range n.edges {
			next := g.byName[e.to]
			if next == nil || next == n {
				continue
			}
			switch state[next.name] {
			case unvisited:
				via = append(via, e)
				visit(next)
				via = via[:len(via)-1]
			case onPath:
				start := slices.Index(path, next)
				d.reportCycle(path[start:], append(slices.Clone(via[start:]), e), reported)
			}
		}
		path = path[:len(path)-1]
		state[n.name] = done
	}
	for _, n := range g.nodes {
		if state[n.name] == unvisited {
			visit(n)
		}
	}
}

// reportCycle reports the cycle through nodes, where edges[i] leads from
// nodes[i] to the next (the last one back to nodes[0]). The subject is the
// last written depends_on entry of the cycle.
func (d *decoder) reportCycle(nodes []*depNode, edges []depEdge, reported *cycleReports) {
	at := -1
	for i := len(edges) - 1; i >= 0; i-- {
		if edges[i].at != (hcl.Range{}) {
			at = i
			break
		}
	}
	names := make([]string, 0, len(nodes)+1)
	for _, n := range nodes {
		names = append(names, n.name)
	}
	key := strings.Join(names, "\x00")
	if at < 0 || reported.at[edges[at].at] || reported.cycles[key] {
		return
	}
	reported.at[edges[at].at], reported.cycles[key] = true, true
	names = names[:0]
	var hosted []string
	for i, n := range nodes {
		names = append(names, n.name)
		if edges[i].at == (hcl.Range{}) {
			hosted = append(hosted, fmt.Sprintf("service %q runs on plugin %q", n.name, edges[i].to))
		}
	}
	names = append(names, nodes[0].name)
	note := ""
	if len(hosted) > 0 {
		note = " (A service starts after the plugin that hosts it: " + joinList(hosted, "and") + ".)"
	}
	d.add(&hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Dependency cycle",
		Detail: fmt.Sprintf("%s: each waits for the next to start, so none of them can.%s Remove one of these dependencies; here, %q from the depends_on of %s %q.",
			strings.Join(names, " → "), note, edges[at].to, edges[at].owner, nodes[at].name),
		Subject: edges[at].at.Ptr(),
	})
}

// overrideModes are the modes that may override plugins, in the order
// their checks run.
var overrideModes = []effects.Mode{effects.Testing, effects.Simulation}
