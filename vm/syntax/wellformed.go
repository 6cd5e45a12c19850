package syntax

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// CheckGlobal checks a global type is well formed, whatever language it
// came from: every role known, no self-send, no empty choice, no
// duplicate label, every recursion variable bound and every recursion
// guarded by a communication; and that it is small enough to project
// (MaxRoles, MaxProjectionSize).
func CheckGlobal(p *Protocol) hcl.Diagnostics {
	c := &globalChecker{roles: map[string]bool{}, roleList: p.Roles, seen: map[guardKey]bool{}, inScope: map[string]int{}}
	for _, r := range p.Roles {
		c.roles[r] = true
	}
	if d := checkRoleCount(len(p.Roles), p.Range); d.HasErrors() {
		return d
	}
	if d := checkProjectionSize(len(p.Roles), globalSize(p.Global, MaxProjectionSize), p.Range); d.HasErrors() {
		return d
	}
	c.walk(p.Global, nil, nil)
	return Dedupe(c.diags)
}

type globalChecker struct {
	roles    map[string]bool
	roleList []string
	diags    hcl.Diagnostics
	seen     map[guardKey]bool
	// inScope counts, per variable, the recs named so on the current path.
	inScope map[string]int
}

// recNode is one rec on the walk's path: scope and unguarded are linked
// lists of them, shared by every node below, so passing them down costs
// nothing whatever the nesting.
type recNode struct {
	name   string
	parent *recNode
}

// guardKey memoises the walk: a shared node is checked once per set of
// recursion variables in scope and not yet guarded. The lists are built
// once per rec reached, so the same set is the same pointer.
type guardKey struct {
	g         *Global
	scope     *recNode
	unguarded *recNode
}

func (c *globalChecker) errorf(rng hcl.Range, summary, format string, args ...any) {
	c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng.Ptr()})
}

func (c *globalChecker) role(name string, rng hcl.Range) {
	if !c.roles[name] {
		c.errorf(rng, "Unknown role", "%q is not a role of this protocol; the roles are %s.", name, strings.Join(c.roleList, ", "))
	}
}

// walk visits g with the recursion variables in scope and those reached
// since their rec without any communication.
func (c *globalChecker) walk(g *Global, scope, unguarded *recNode) {
	key := guardKey{g, scope, unguarded}
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	switch g.Kind {
	case GEnd:
	case GComm:
		c.role(g.From, g.Range)
		c.role(g.To, g.Range)
		if g.From == g.To {
			c.errorf(g.Range, "Self-send", "%s sends to itself; a message goes between two different roles.", g.From)
		}
		if len(g.Branches) == 0 {
			c.errorf(g.Range, "Empty choice", "The communication from %s to %s has no branch.", g.From, g.To)
		}
		labels := map[string]bool{}
		for _, b := range g.Branches {
			if labels[b.Label.Name] {
				c.errorf(b.Range, "Duplicate label", "The communication from %s to %s has two branches labelled %q.", g.From, g.To, b.Label.Name)
			}
			labels[b.Label.Name] = true
			c.walk(b.Next, scope, nil)
		}
	case GAction:
		c.role(g.Role, g.Range)
		c.walk(g.Next, scope, unguarded)
	case GRec:
		c.inScope[g.Var]++
		c.walk(g.Body, &recNode{g.Var, scope}, &recNode{g.Var, unguarded})
		c.inScope[g.Var]--
	case GVar:
		switch {
		case c.inScope[g.Var] == 0:
			c.errorf(g.Range, "Unbound recursion variable", "There is no enclosing recursion %q to continue.", g.Var)
		case unguarded.has(g.Var):
			c.errorf(g.Range, "Unguarded recursion",
				"continue %q is reached from its rec without any message being sent, so the loop would spin forever; put a send (or a choice) on every path through the loop.", g.Var)
		}
	}
}

// has reports whether a rec named name is on the list. Only the recs
// since the last communication are on an unguarded list.
func (n *recNode) has(name string) bool {
	for ; n != nil; n = n.parent {
		if n.name == name {
			return true
		}
	}
	return false
}
