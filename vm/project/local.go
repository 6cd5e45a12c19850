package project

import (
	"slices"

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

// freeVars computes the recursion variables free in local types, each
// node once: a projector asks it of every rec body, and walking each body
// again made nested recs quadratic in their depth. A node's set holds the
// variables of the recs around it that it continues, so its size is
// bounded by the nesting, and usually one or two.
type freeVars map[*Local][]string

// in reports whether Var name occurs free in t.
func (f freeVars) in(name string, t *Local) bool {
	_, ok := slices.BinarySearch(f.of(t), name)
	return ok
}

// of returns the sorted free variables of t.
func (f freeVars) of(t *Local) []string {
	if vs, ok := f[t]; ok {
		return vs
	}
	f[t] = nil // a local type is acyclic, but guard anyway
	var vs []string
	switch t.Kind {
	case LVar:
		vs = []string{t.Var}
	case LRec:
		body := f.of(t.Body)
		if i, ok := slices.BinarySearch(body, t.Var); ok {
			vs = slices.Delete(slices.Clone(body), i, i+1)
		} else {
			vs = body
		}
	case LAction:
		vs = f.of(t.Next)
	case LSend, LRecv:
		for _, b := range t.Branches {
			vs = union(vs, f.of(b.Next))
		}
	}
	f[t] = vs
	return vs
}

// union merges two sorted sets, returning a itself (not a copy) when b
// adds nothing to it, so sets are shared along a path.
func union(a, b []string) []string {
	switch {
	case len(b) == 0:
		return a
	case len(a) == 0:
		return b
	}
	out := make([]string, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	out = append(append(out, a[i:]...), b[j:]...)
	switch len(out) {
	case len(a):
		return a
	case len(b):
		return b
	}
	return out
}
