package project

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/vm/syntax"
)

// Projection holds one local type per role of a protocol.
type Projection struct {
	Protocol *syntax.Protocol
	Locals   []*Local // indexed like Protocol.Roles
}

// Local returns the local type of role, or nil if there is no such role.
func (pr *Projection) Local(role string) *Local {
	if i := pr.Protocol.RoleIndex(role); i >= 0 {
		return pr.Locals[i]
	}
	return nil
}

// Project projects a well-formed protocol onto every role. A role outside
// a choice must behave identically in every branch, except that it may
// receive different labels from the same partner (merge: identical sends,
// union of receives); role-local actions stay with their role. A choice a
// role cannot follow, a role that loops without communicating, and an
// edge whose sends and receives differ are diagnostics.
func Project(p *syntax.Protocol) (*Projection, hcl.Diagnostics) {
	pr := &Projection{Protocol: p, Locals: make([]*Local, len(p.Roles))}
	var diags hcl.Diagnostics
	for i, role := range p.Roles {
		j := &projector{role: role, memo: map[*syntax.Global]*Local{}, merged: map[[2]*Local]mergeResult{},
			comm: map[*syntax.Global]bool{}, acts: map[*syntax.Global]bool{}, free: freeVars{}}
		pr.Locals[i] = j.project(p.Global)
		diags = append(diags, j.diags...)
		if !j.diags.HasErrors() {
			diags = append(diags, checkLocalGuarded(role, pr.Locals[i])...)
		}
	}
	if diags.HasErrors() {
		return nil, syntax.Dedupe(diags)
	}
	diags = append(diags, checkDuality(pr)...)
	if diags.HasErrors() {
		return nil, diags
	}
	return pr, diags
}

type mergeResult struct {
	t   *Local
	why string
}

type projector struct {
	role   string
	memo   map[*syntax.Global]*Local
	merged map[[2]*Local]mergeResult
	comm   map[*syntax.Global]bool // role sends or receives somewhere in g
	acts   map[*syntax.Global]bool // role acts somewhere in g
	free   freeVars
	diags  hcl.Diagnostics
}

var localEnd = &Local{Kind: LEnd}

func (j *projector) project(g *syntax.Global) *Local {
	if t, ok := j.memo[g]; ok {
		return t
	}
	var t *Local
	switch g.Kind {
	case syntax.GEnd:
		t = localEnd
	case syntax.GVar:
		t = &Local{Kind: LVar, Var: g.Var, Range: g.Range}
	case syntax.GRec:
		switch {
		case !j.communicates(g.Body) && !j.actsIn(g.Body):
			t = localEnd
		case !j.communicates(g.Body):
			j.diags = append(j.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Role acts in a loop it takes no part in",
				Detail:  fmt.Sprintf("%s acts inside rec %q but sends and receives nothing there, so it cannot tell when the loop ends. Send it a message inside the loop, or move its action out.", j.role, g.Var),
				Subject: g.Range.Ptr()})
			t = localEnd
		default:
			body := j.project(g.Body)
			if j.free.in(g.Var, body) {
				t = &Local{Kind: LRec, Var: g.Var, Body: body, Range: g.Range}
			} else {
				t = body
			}
		}
	case syntax.GAction:
		next := j.project(g.Next)
		if g.Role == j.role {
			t = &Local{Kind: LAction, Action: g.Action, Next: next, Range: g.Range}
		} else {
			t = next
		}
	case syntax.GComm:
		t = j.projectComm(g)
	}
	j.memo[g] = t
	return t
}

func (j *projector) projectComm(g *syntax.Global) *Local {
	switch j.role {
	case g.From:
		t := &Local{Kind: LSend, Partner: g.To, Decide: g.Decide, Range: g.Range}
		for _, b := range g.Branches {
			t.Branches = append(t.Branches, &LBranch{Label: b.Label, Value: b.Value, Next: j.project(b.Next), Range: b.Range})
		}
		return t
	case g.To:
		t := &Local{Kind: LRecv, Partner: g.From, Range: g.Range}
		for _, b := range g.Branches {
			t.Branches = append(t.Branches, &LBranch{Label: b.Label, Bind: b.Bind, Next: j.project(b.Next), Range: b.Range})
		}
		return t
	}
	t := j.project(g.Branches[0].Next)
	for _, b := range g.Branches[1:] {
		u := j.project(b.Next)
		m, why := j.merge(t, u)
		if why != "" {
			j.diags = append(j.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Role cannot follow a choice",
				Detail: fmt.Sprintf("%s takes no part in the choice of %s between %s, but behaves differently after it: after %q it %s, after %q it %s. A role outside a choice must act the same in every branch, or first receive a message from the same partner that tells the branches apart.",
					j.role, g.From, labelList(g), g.Branches[0].Label.Name, Describe(t), b.Label.Name, Describe(u)) + why,
				Subject: g.Range.Ptr()})
			return t
		}
		t = m
	}
	return t
}

func labelList(g *syntax.Global) string {
	names := make([]string, len(g.Branches))
	for i, b := range g.Branches {
		names[i] = fmt.Sprintf("%q", b.Label.Name)
	}
	return strings.Join(names, ", ")
}

// Describe says in words what a local type does first.
func Describe(t *Local) string {
	switch t.Kind {
	case LEnd:
		return "ends"
	case LVar:
		return fmt.Sprintf("continues %q", t.Var)
	case LRec:
		return Describe(t.Body)
	case LAction:
		return fmt.Sprintf("does %s", t.Action.Kind)
	case LSend:
		return fmt.Sprintf("sends %s to %s", branchNames(t), t.Partner)
	}
	return fmt.Sprintf("receives %s from %s", branchNames(t), t.Partner)
}

func branchNames(t *Local) string {
	names := make([]string, len(t.Branches))
	for i, b := range t.Branches {
		names[i] = b.Label.Name
	}
	return strings.Join(names, "|")
}

// merge combines the projections of two branches for a role outside the
// choice. It returns a non-empty reason when they cannot be combined.
func (j *projector) merge(a, b *Local) (*Local, string) {
	if a == b {
		return a, ""
	}
	key := [2]*Local{a, b}
	if r, ok := j.merged[key]; ok {
		return r.t, r.why
	}
	t, why := j.mergeNodes(a, b)
	j.merged[key] = mergeResult{t, why}
	return t, why
}

func (j *projector) mergeNodes(a, b *Local) (*Local, string) {
	fail := func(format string, args ...any) (*Local, string) {
		return nil, " (" + fmt.Sprintf(format, args...) + ")"
	}
	if a.Kind != b.Kind {
		return fail("one branch %s, the other %s", Describe(a), Describe(b))
	}
	switch a.Kind {
	case LEnd:
		return a, ""
	case LVar:
		if a.Var != b.Var {
			return fail("continues %q in one branch and %q in the other", a.Var, b.Var)
		}
		return a, ""
	case LRec:
		if a.Var != b.Var {
			return fail("enters loop %q in one branch and %q in the other", a.Var, b.Var)
		}
		body, why := j.merge(a.Body, b.Body)
		if why != "" {
			return nil, why
		}
		return &Local{Kind: LRec, Var: a.Var, Body: body, Range: a.Range}, ""
	case LAction:
		if !a.Action.Equal(b.Action) {
			return fail("does different %s actions", a.Action.Kind)
		}
		next, why := j.merge(a.Next, b.Next)
		if why != "" {
			return nil, why
		}
		return &Local{Kind: LAction, Action: a.Action, Next: next, Range: a.Range}, ""
	case LSend:
		if a.Partner != b.Partner || branchNames(a) != branchNames(b) || syntax.ExprString(a.Decide) != syntax.ExprString(b.Decide) {
			return fail("sends differ: %s vs %s", Describe(a), Describe(b))
		}
		t := &Local{Kind: LSend, Partner: a.Partner, Decide: a.Decide, Range: a.Range}
		for i, ab := range a.Branches {
			bb := b.Branches[i]
			if ab.Label != bb.Label || syntax.ExprString(ab.Value) != syntax.ExprString(bb.Value) {
				return fail("sends %s with different payloads", ab.Label.Name)
			}
			next, why := j.merge(ab.Next, bb.Next)
			if why != "" {
				return nil, why
			}
			t.Branches = append(t.Branches, &LBranch{Label: ab.Label, Value: ab.Value, Next: next, Range: ab.Range})
		}
		return t, ""
	}
	// LRecv: union of the labels; a label in both must agree.
	if a.Partner != b.Partner {
		return fail("receives from %s in one branch and from %s in the other", a.Partner, b.Partner)
	}
	t := &Local{Kind: LRecv, Partner: a.Partner, Range: a.Range}
	for _, ab := range a.Branches {
		nb := &LBranch{Label: ab.Label, Bind: ab.Bind, Next: ab.Next, Range: ab.Range}
		if bb := b.branch(ab.Label.Name); bb != nil {
			if ab.Label != bb.Label || ab.Bind.String() != bb.Bind.String() {
				return fail("receives %s with a different sort or binding", ab.Label.Name)
			}
			next, why := j.merge(ab.Next, bb.Next)
			if why != "" {
				return nil, why
			}
			nb.Next = next
		}
		t.Branches = append(t.Branches, nb)
	}
	for _, bb := range b.Branches {
		if a.branch(bb.Label.Name) == nil {
			t.Branches = append(t.Branches, bb)
		}
	}
	return t, ""
}

func (j *projector) communicates(g *syntax.Global) bool {
	return j.occurs(g, j.comm, func(g *syntax.Global) bool {
		return g.Kind == syntax.GComm && (g.From == j.role || g.To == j.role)
	})
}

func (j *projector) actsIn(g *syntax.Global) bool {
	return j.occurs(g, j.acts, func(g *syntax.Global) bool { return g.Kind == syntax.GAction && g.Role == j.role })
}

// occurs reports whether some node reachable from g satisfies pred.
func (j *projector) occurs(g *syntax.Global, memo map[*syntax.Global]bool, pred func(*syntax.Global) bool) bool {
	if r, ok := memo[g]; ok {
		return r
	}
	memo[g] = false // a cycle cannot occur, but guard anyway
	r := pred(g)
	switch {
	case r:
	case g.Kind == syntax.GComm:
		for _, b := range g.Branches {
			if j.occurs(b.Next, memo, pred) {
				r = true
				break
			}
		}
	case g.Kind == syntax.GAction:
		r = j.occurs(g.Next, memo, pred)
	case g.Kind == syntax.GRec:
		r = j.occurs(g.Body, memo, pred)
	}
	memo[g] = r
	return r
}

// checkLocalGuarded reports a loop in which the role itself never sends
// or receives: it would spin on local actions.
func checkLocalGuarded(role string, t *Local) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[*Local]string{}
	var walk func(t *Local, unguarded []string)
	walk = func(t *Local, unguarded []string) {
		key := strings.Join(unguarded, ",")
		if k, ok := seen[t]; ok && k == key {
			return
		}
		seen[t] = key
		switch t.Kind {
		case LVar:
			if slices.Contains(unguarded, t.Var) {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Role loops without communicating",
					Detail:  fmt.Sprintf("In its local type, %s reaches continue %q without sending or receiving anything since the loop began.", role, t.Var),
					Subject: t.Range.Ptr()})
			}
		case LRec:
			walk(t.Body, append(slices.Clone(unguarded), t.Var))
		case LAction:
			walk(t.Next, unguarded)
		case LSend, LRecv:
			for _, b := range t.Branches {
				walk(b.Next, nil)
			}
		}
	}
	walk(t, nil)
	return diags
}
