package syntax

import (
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/hcl/v2"
)

// checkSteps checks the shape of an expanded step tree: self-sends,
// choices (non-empty, distinct labels, every branch opening with the
// decider's send to one receiver) and recursion names in scope.
func checkSteps(steps []*step, reg *roleRegistry) hcl.Diagnostics {
	var diags hcl.Diagnostics
	checkList(steps, &recScope{count: map[string]int{}}, &diags)
	return diags
}

// recScope is the stack of enclosing rec names on the walk, with a count
// per name so a lookup does not scan the stack.
type recScope struct {
	names []string
	count map[string]int
}

func (r *recScope) push(name string) { r.names = append(r.names, name); r.count[name]++ }

func (r *recScope) pop() {
	r.count[r.names[len(r.names)-1]]--
	r.names = r.names[:len(r.names)-1]
}

func checkList(steps []*step, recs *recScope, diags *hcl.Diagnostics) {
	for i, s := range steps {
		if i > 0 && steps[i-1].kind == stepContinue {
			*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unreachable step",
				Detail:  fmt.Sprintf("This step follows continue %q, which jumps back; a continue is the last step of its block.", steps[i-1].name),
				Subject: s.rng.Ptr()})
		}
		switch s.kind {
		case stepSend:
			if s.roles[0].String() == s.roles[1].String() {
				*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Self-send",
					Detail:  fmt.Sprintf("%s sends %q to itself; a message goes between two different roles (use set for a local value).", s.roles[0], s.label),
					Subject: s.rng.Ptr()})
			}
		case stepChoice:
			checkChoice(s, recs, diags)
		case stepRec:
			recs.push(s.name)
			checkList(s.body, recs, diags)
			recs.pop()
		case stepContinue:
			if recs.count[s.name] == 0 {
				detail := fmt.Sprintf("There is no enclosing rec %q for this continue to jump to.", s.name)
				if len(recs.names) > 0 {
					detail += fmt.Sprintf(" The enclosing recursion points are %q.", recs.names)
				}
				*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unbound recursion variable",
					Detail: detail, Subject: s.rng.Ptr()})
			}
		}
	}
}

func checkChoice(s *step, recs *recScope, diags *hcl.Diagnostics) {
	decider := s.roles[0].String()
	if len(s.branches) == 0 {
		*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Empty choice",
			Detail: fmt.Sprintf("The choice of %s has no branch; give it at least one branch \"Label\" { ... }.", decider), Subject: s.rng.Ptr()})
		return
	}
	receiver := ""
	seen := map[string]bool{}
	for _, b := range s.branches {
		if seen[b.label] {
			*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate label",
				Detail:  fmt.Sprintf("The choice of %s has two branches labelled %q; labels tell branches apart, so they must differ.", decider, b.label),
				Subject: b.rng.Ptr()})
		}
		seen[b.label] = true
		if len(b.steps) == 0 || b.steps[0].kind != stepSend || b.steps[0].roles[0].String() != decider {
			subject := b.rng
			if len(b.steps) > 0 {
				subject = b.steps[0].rng
			}
			*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Branch does not begin with the decider's send",
				Detail:  fmt.Sprintf("Branch %q of the choice of %s must begin with send %q \"Receiver\" %q, so the receiver learns the decision.", b.label, decider, decider, b.label),
				Subject: subject.Ptr()})
		} else {
			first := b.steps[0]
			to := first.roles[1].String()
			switch {
			case receiver == "":
				receiver = to
			case to != receiver:
				*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Choice sends to more than one receiver",
					Detail:  fmt.Sprintf("Branch %q of the choice of %s begins with a send to %s, an earlier branch to %s; every branch begins with a send to the same receiver.", b.label, decider, to, receiver),
					Subject: first.roles[1].rng.Ptr()})
			}
			if first.label != b.label {
				*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Branch label differs from its message",
					Detail:  fmt.Sprintf("Branch %q begins with a message labelled %q; a branch is named by its first message's label.", b.label, first.label),
					Subject: first.labelRng.Ptr()})
			}
		}
		checkList(b.steps, recs, diags)
	}
}

// bindState is what the checker knows about one binding of one role.
type bindState struct {
	list  bool
	bound []bool // per element for a per-member binding; one entry otherwise
}

// bindEnv maps role -> binding name -> state at one point of the protocol.
type bindEnv map[string]map[string]*bindState

// binding is one fact the checker learnt on a path: element index of a
// binding of a role is bound, and the binding has this shape.
type binding struct {
	role, name string
	list       bool
	len        int
	index      int
}

// binder walks the steps with one environment, changed in place and
// restored from a trail of what each step bound: a choice costs what its
// branches bind, not the size of the environment, so checking is linear
// in the protocol's size times its nesting (which the parser bounds).
type binder struct {
	env   bindEnv
	trail []trailEntry
	diags *hcl.Diagnostics
}

// trailEntry undoes one change: the binding was created (delete it) or
// one element was set (clear it).
type trailEntry struct {
	b       binding
	created bool
}

// checkBindings checks that every "$name" is bound in its role on every
// path that reaches it, and that a name is used consistently as a single
// binding or a per-member list.
func checkBindings(steps []*step, reg *roleRegistry) hcl.Diagnostics {
	var diags hcl.Diagnostics
	b := &binder{env: bindEnv{}, diags: &diags}
	b.list(steps)
	return diags
}

// set records b as bound, on the trail.
func (bd *binder) set(b binding) {
	names := bd.env[b.role]
	if names == nil {
		names = map[string]*bindState{}
		bd.env[b.role] = names
	}
	st, ok := names[b.name]
	if !ok {
		n := 1
		if b.list {
			n = b.len
		}
		st = &bindState{list: b.list, bound: make([]bool, n)}
		names[b.name] = st
		st.bound[max(b.index, 0)] = true
		bd.trail = append(bd.trail, trailEntry{b: b, created: true})
		return
	}
	if i := max(b.index, 0); !st.bound[i] {
		st.bound[i] = true
		bd.trail = append(bd.trail, trailEntry{b: b})
	}
}

// undo restores the environment to when the trail had n entries.
func (bd *binder) undo(n int) {
	for i := len(bd.trail) - 1; i >= n; i-- {
		e := bd.trail[i]
		names := bd.env[e.b.role]
		if e.created {
			delete(names, e.b.name)
		} else {
			names[e.b.name].bound[max(e.b.index, 0)] = false
		}
	}
	bd.trail = bd.trail[:n]
}

// list walks a step list and reports whether its end is reachable (false
// when every path through it jumps back with continue).
func (bd *binder) list(steps []*step) bool {
	env := bd.env
	for i, s := range steps {
		if i > 0 && steps[i-1].kind == stepContinue {
			return false
		}
		switch s.kind {
		case stepSend:
			useExpr(s.value, s.roles[0].String(), env, bd.diags)
			bd.target(s.bind, s.roles[1].String())
		case stepChoice:
			useExpr(s.decide, s.roles[0].String(), env, bd.diags)
			if !bd.choice(s) {
				if i+1 < len(steps) {
					*bd.diags = append(*bd.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unreachable step",
						Detail: "Every path before this step ends in a continue, so it never runs.", Subject: steps[i+1].rng.Ptr()})
				}
				return false
			}
		case stepRec:
			if !bd.list(s.body) {
				if i+1 < len(steps) {
					*bd.diags = append(*bd.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unreachable step",
						Detail: "Every path before this step ends in a continue, so it never runs.", Subject: steps[i+1].rng.Ptr()})
				}
				return false
			}
		case stepContinue:
			// checkList reports a step after a continue.
		case stepAction:
			role := s.roles[0].String()
			useExpr(s.action.Args, role, env, bd.diags)
			useExpr(s.action.Value, role, env, bd.diags)
			bd.target(s.action.Result, role)
		}
	}
	return len(steps) == 0 || steps[len(steps)-1].kind != stepContinue
}

// choice walks the branches of a choice from the same environment and
// leaves it holding what every reachable branch bound (the meet); it
// reports whether any branch reaches the end of the choice.
func (bd *binder) choice(s *step) bool {
	mark := len(bd.trail)
	reached := 0
	count := map[binding]int{}
	var order []binding
	for _, b := range s.branches {
		if bd.list(b.steps) {
			reached++
			for _, e := range bd.trail[mark:] {
				if count[e.b] == reached-1 {
					if reached == 1 {
						order = append(order, e.b)
					}
					count[e.b] = reached
				}
			}
		}
		bd.undo(mark)
	}
	if reached == 0 {
		return false
	}
	for _, b := range order {
		if count[b] == reached {
			bd.set(b)
		}
	}
	return true
}

func useExpr(e Expr, role string, env bindEnv, diags *hcl.Diagnostics) {
	WalkExpr(e, func(x Expr) {
		ref, ok := x.(*RefExpr)
		if !ok {
			return
		}
		st, ok := env[role][ref.Name]
		if !ok {
			detail := fmt.Sprintf("%s has not bound %q on every path that reaches this step.", role, "$"+ref.Name)
			for _, other := range slices.Sorted(maps.Keys(env)) {
				if _, ok := env[other][ref.Name]; ok && other != role {
					detail += fmt.Sprintf(" (%s has a binding of that name, but bindings belong to the role that receives or computes them.)", other)
					break
				}
			}
			*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Use before bind", Detail: detail, Subject: ref.rng.Ptr()})
			return
		}
		if !st.list {
			return
		}
		if len(ref.Path) > 0 && ref.Path[0].Field == "" {
			i := ref.Path[0].Index
			if i >= len(st.bound) {
				*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Index out of range",
					Detail: fmt.Sprintf("$%s has one element per member (%d); there is no element %d.", ref.Name, len(st.bound), i), Subject: ref.rng.Ptr()})
			} else if !st.bound[i] {
				*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Use before bind",
					Detail: fmt.Sprintf("%s has not bound element %d of %q on every path that reaches this step.", role, i, "$"+ref.Name), Subject: ref.rng.Ptr()})
			}
			return
		}
		var missing []int
		for i, b := range st.bound {
			if !b {
				missing = append(missing, i)
			}
		}
		if len(missing) > 0 {
			*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Use before bind",
				Detail:  fmt.Sprintf("%s uses all of %q, but elements %v are not bound on every path that reaches this step.", role, "$"+ref.Name, missing),
				Subject: ref.rng.Ptr()})
		}
	})
}

func (bd *binder) target(t *Target, role string) {
	if t == nil {
		return
	}
	list := t.Index >= 0
	if st, ok := bd.env[role][t.Name]; ok {
		switch {
		case st.list != list:
			kind := map[bool]string{true: "one element per family member", false: "a single value"}
			*bd.diags = append(*bd.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Binding used two ways",
				Detail:  fmt.Sprintf("%s binds %q as %s here and as %s before; use another name.", role, t.Name, kind[list], kind[st.list]),
				Subject: t.Range.Ptr()})
			return
		case list && len(st.bound) != t.Len:
			*bd.diags = append(*bd.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Binding used two ways",
				Detail:  fmt.Sprintf("%s binds %q with %d elements here and %d before.", role, t.Name, t.Len, len(st.bound)),
				Subject: t.Range.Ptr()})
			return
		}
	}
	b := binding{role: role, name: t.Name, list: list, index: -1}
	if list {
		b.len, b.index = t.Len, t.Index
	}
	bd.set(b)
}
