package syntax

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// MaxRoles is the most roles a protocol may have, family members
// included: each role is projected and compiled separately, and a
// family of up to 1024 members is written in a few bytes.
const MaxRoles = 4096

// MaxProjectionSize bounds a protocol's roles times the nodes of its
// global type after family expansion. Projecting walks the whole global
// type once per role, so this product is what checking a protocol costs
// (about 70 bytes of memory per unit, so at most about 300 MB): a 227-byte
// protocol of eight steps over a 1024-member family used to take 600 MB,
// and a hundred such steps 7 GB. The bound allows, for example, a
// 1024-member family with four family-wide steps, or 50 roles and 80,000
// steps.
const MaxProjectionSize = 1 << 22

// MaxSteps bounds the steps of a protocol after family expansion. The
// projector, the checks and the compiler recurse along the global type,
// one level per step in sequence: 330,000 sends in an 8 MB file used to
// overflow the compiler's stack. Real protocols have tens or hundreds of
// steps; a family of 1024 with a dozen family-wide steps is about 12,000.
const MaxSteps = 1 << 15

// checkRoleCount refuses more than MaxRoles roles.
func checkRoleCount(n int, rng hcl.Range) hcl.Diagnostics {
	if n <= MaxRoles {
		return nil
	}
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Too many roles",
		Detail:  fmt.Sprintf("The protocol declares %d roles (family members included); at most %d are allowed, since each role is projected and compiled on its own.", n, MaxRoles),
		Subject: rng.Ptr()}}
}

// checkProjectionSize refuses a protocol whose global type, of nodes
// nodes, is too large to project onto roles roles.
func checkProjectionSize(roles, nodes int, rng hcl.Range) hcl.Diagnostics {
	if nodes > MaxSteps {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Protocol too long",
			Detail:  fmt.Sprintf("After family steps are expanded the protocol has more than %d steps (%d counted); split it into several protocols, or use smaller families.", MaxSteps, nodes),
			Subject: rng.Ptr()}}
	}
	if nodes <= MaxProjectionSize/max(roles, 1) {
		return nil
	}
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Protocol too large to project",
		Detail: fmt.Sprintf("After family steps are expanded the protocol has %d steps and %d roles; projecting it onto every role walks every step once per role, and %d × %d is over the limit of %d. "+
			"Use smaller families, fewer family-wide steps or fewer roles.", nodes, roles, nodes, roles, MaxProjectionSize),
		Subject: rng.Ptr()}}
}

// expandedSize counts the steps that expandSteps will make of steps,
// without making them: a family step is copied once per member, with
// everything nested in it. It stops counting past limit.
func expandedSize(steps []*step, reg *roleRegistry, limit int) int {
	n := 0
	for _, s := range steps {
		if n > limit {
			return n
		}
		count := 1
		if fam, c, d := stepFamily(s, reg); !d.HasErrors() && fam != "" {
			count = c
		}
		n += count * treeSize(s, limit)
	}
	return n
}

// treeSize counts a step and the steps nested in it, stopping past limit.
func treeSize(s *step, limit int) int {
	n := 1
	for _, b := range s.body {
		if n > limit {
			return n
		}
		n += treeSize(b, limit)
	}
	for _, br := range s.branches {
		for _, b := range br.steps {
			if n > limit {
				return n
			}
			n += treeSize(b, limit)
		}
	}
	return n
}

// globalSize counts the distinct nodes of a global type, stopping past
// limit.
func globalSize(g *Global, limit int) int {
	seen := map[*Global]bool{}
	var walk func(*Global)
	walk = func(g *Global) {
		if g == nil || seen[g] || len(seen) > limit {
			return
		}
		seen[g] = true
		for _, b := range g.Branches {
			walk(b.Next)
		}
		walk(g.Next)
		walk(g.Body)
	}
	walk(g)
	return len(seen)
}
