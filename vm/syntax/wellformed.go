package syntax

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// CheckGlobal checks a global type is well formed, whatever language it
// came from: every role known, no self-send, no empty choice, no
// duplicate label, every recursion variable bound and every recursion
// guarded by a communication.
func CheckGlobal(p *Protocol) hcl.Diagnostics {
	c := &globalChecker{roles: p.Roles, seen: map[guardKey]bool{}}
	c.walk(p.Global, nil, nil)
	return Dedupe(c.diags)
}

type globalChecker struct {
	roles []string
	diags hcl.Diagnostics
	seen  map[guardKey]bool
}

// guardKey memoises the walk: a shared node is checked once per distinct
// set of recursion variables in scope and not yet guarded.
type guardKey struct {
	g         *Global
	scope     string
	unguarded string
}

func (c *globalChecker) errorf(rng hcl.Range, summary, format string, args ...any) {
	c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng.Ptr()})
}

func (c *globalChecker) role(name string, rng hcl.Range) {
	if !slices.Contains(c.roles, name) {
		c.errorf(rng, "Unknown role", "%q is not a role of this protocol; the roles are %s.", name, strings.Join(c.roles, ", "))
	}
}

// walk visits g with the recursion variables in scope and those reached
// since their rec without any communication.
func (c *globalChecker) walk(g *Global, scope, unguarded []string) {
	key := guardKey{g, strings.Join(scope, ","), strings.Join(unguarded, ",")}
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
		c.walk(g.Body, append(slices.Clone(scope), g.Var), append(slices.Clone(unguarded), g.Var))
	case GVar:
		switch {
		case !slices.Contains(scope, g.Var):
			c.errorf(g.Range, "Unbound recursion variable", "There is no enclosing recursion %q to continue.", g.Var)
		case slices.Contains(unguarded, g.Var):
			c.errorf(g.Range, "Unguarded recursion",
				"continue %q is reached from its rec without any message being sent, so the loop would spin forever; put a send (or a choice) on every path through the loop.", g.Var)
		}
	}
}
