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
	checkList(steps, nil, &diags)
	return diags
}

func checkList(steps []*step, recs []string, diags *hcl.Diagnostics) {
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
			checkList(s.body, append(slices.Clone(recs), s.name), diags)
		case stepContinue:
			if !slices.Contains(recs, s.name) {
				detail := fmt.Sprintf("There is no enclosing rec %q for this continue to jump to.", s.name)
				if len(recs) > 0 {
					detail += fmt.Sprintf(" The enclosing recursion points are %q.", recs)
				}
				*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unbound recursion variable",
					Detail: detail, Subject: s.rng.Ptr()})
			}
		}
	}
}

func checkChoice(s *step, recs []string, diags *hcl.Diagnostics) {
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

func (e bindEnv) clone() bindEnv {
	out := make(bindEnv, len(e))
	for role, names := range e {
		m := make(map[string]*bindState, len(names))
		for n, st := range names {
			m[n] = &bindState{list: st.list, bound: slices.Clone(st.bound)}
		}
		out[role] = m
	}
	return out
}

// meet keeps what is bound on every path: the environment after a choice
// whose branches bound different things.
func meet(envs []bindEnv) bindEnv {
	if len(envs) == 0 {
		return nil
	}
	out := envs[0].clone()
	for _, e := range envs[1:] {
		for role, names := range out {
			for n, st := range names {
				other, ok := e[role][n]
				if !ok {
					delete(names, n)
					continue
				}
				for i := range st.bound {
					st.bound[i] = st.bound[i] && i < len(other.bound) && other.bound[i]
				}
			}
		}
	}
	return out
}

// checkBindings checks that every "$name" is bound in its role on every
// path that reaches it, and that a name is used consistently as a single
// binding or a per-member list.
func checkBindings(steps []*step, reg *roleRegistry) hcl.Diagnostics {
	var diags hcl.Diagnostics
	bindList(steps, bindEnv{}, &diags)
	return diags
}

// bindList walks a step list and returns the environment at its end, or
// nil when every path through it jumps back with continue.
func bindList(steps []*step, env bindEnv, diags *hcl.Diagnostics) bindEnv {
	for i, s := range steps {
		if env == nil {
			if steps[i-1].kind != stepContinue { // checkList reports the other case
				*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unreachable step",
					Detail: "Every path before this step ends in a continue, so it never runs.", Subject: s.rng.Ptr()})
			}
			return nil
		}
		switch s.kind {
		case stepSend:
			useExpr(s.value, s.roles[0].String(), env, diags)
			bindTarget(s.bind, s.roles[1].String(), env, diags)
		case stepChoice:
			useExpr(s.decide, s.roles[0].String(), env, diags)
			var outs []bindEnv
			for _, b := range s.branches {
				if out := bindList(b.steps, env.clone(), diags); out != nil {
					outs = append(outs, out)
				}
			}
			env = meet(outs)
		case stepRec:
			env = bindList(s.body, env.clone(), diags)
		case stepContinue:
			return nil
		case stepAction:
			role := s.roles[0].String()
			useExpr(s.action.Args, role, env, diags)
			useExpr(s.action.Value, role, env, diags)
			bindTarget(s.action.Result, role, env, diags)
		}
	}
	return env
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

func bindTarget(t *Target, role string, env bindEnv, diags *hcl.Diagnostics) {
	if t == nil {
		return
	}
	names := env[role]
	if names == nil {
		names = map[string]*bindState{}
		env[role] = names
	}
	st, ok := names[t.Name]
	list := t.Index >= 0
	switch {
	case !ok && list:
		names[t.Name] = &bindState{list: true, bound: make([]bool, t.Len)}
		names[t.Name].bound[t.Index] = true
	case !ok:
		names[t.Name] = &bindState{bound: []bool{true}}
	case st.list != list:
		kind := map[bool]string{true: "one element per family member", false: "a single value"}
		*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Binding used two ways",
			Detail:  fmt.Sprintf("%s binds %q as %s here and as %s before; use another name.", role, t.Name, kind[list], kind[st.list]),
			Subject: t.Range.Ptr()})
	case list && len(st.bound) != t.Len:
		*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Binding used two ways",
			Detail:  fmt.Sprintf("%s binds %q with %d elements here and %d before.", role, t.Name, t.Len, len(st.bound)),
			Subject: t.Range.Ptr()})
	case list:
		st.bound[t.Index] = true
	default:
		st.bound[0] = true
	}
}
