package project

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/vm/syntax"
)

// LocalKind tags a node of a local type.
type LocalKind uint8

// The kinds of local type node.
const (
	// LEnd: the role is done.
	LEnd LocalKind = iota
	// LSend: send Partner one of the branches (an internal choice when
	// there is more than one).
	LSend
	// LRecv: receive one of the branches from Partner (an external choice
	// when there is more than one).
	LRecv
	// LAction: a role-local action, then Next.
	LAction
	// LRec: a recursion point named Var.
	LRec
	// LVar: continue at the enclosing recursion point named Var.
	LVar
)

var localKindNames = [...]string{LEnd: "end", LSend: "send", LRecv: "recv", LAction: "action", LRec: "rec", LVar: "var"}

// String returns the kind's name as the JSON form writes it.
func (k LocalKind) String() string { return localKindNames[k] }

// Local is a node of one role's local type: the global type seen from
// that role. Like Global it is a DAG whose shared sub-trees are shared
// continuations; walk it with memoisation.
type Local struct {
	Kind LocalKind

	// LSend, LRecv
	Partner  string
	Branches []*LBranch
	Decide   syntax.Expr // LSend with a local decision rule

	// LAction
	Action *syntax.Action
	Next   *Local

	// LRec, LVar
	Var  string
	Body *Local

	Range hcl.Range
}

// LBranch is one labelled message of a send or a receive.
type LBranch struct {
	Label syntax.Label
	Value syntax.Expr    // LSend: the payload expression (nil for unit)
	Bind  *syntax.Target // LRecv: where the payload is bound
	Next  *Local
	Range hcl.Range
}

// branch returns the branch labelled name, or nil.
func (t *Local) branch(name string) *LBranch {
	for _, b := range t.Branches {
		if b.Label.Name == name {
			return b
		}
	}
	return nil
}

// Depth is the number of nodes on the longest path through t, counting
// the final end and not unfolding recursion: the "depth of a local type"
// of the step budget. It bounds the instructions a loop-free role runs.
func (t *Local) Depth() int {
	memo := map[*Local]int{}
	var depth func(*Local) int
	depth = func(t *Local) int {
		if d, ok := memo[t]; ok {
			return d
		}
		d := 1 // end, and the jump back of a var
		switch t.Kind {
		case LSend, LRecv:
			for _, b := range t.Branches {
				d = max(d, 1+depth(b.Next))
			}
		case LAction:
			d = 1 + depth(t.Next)
		case LRec:
			d = depth(t.Body)
		}
		memo[t] = d
		return d
	}
	return depth(t)
}

// freeIn reports whether Var name occurs free in t.
func freeIn(name string, t *Local) bool {
	seen := map[*Local]bool{}
	var walk func(*Local) bool
	walk = func(t *Local) bool {
		if seen[t] {
			return false
		}
		seen[t] = true
		switch t.Kind {
		case LVar:
			return t.Var == name
		case LRec:
			return t.Var != name && walk(t.Body)
		case LAction:
			return walk(t.Next)
		case LSend, LRecv:
			for _, b := range t.Branches {
				if walk(b.Next) {
					return true
				}
			}
		}
		return false
	}
	return walk(t)
}
