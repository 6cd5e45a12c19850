package syntax

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// member is the family member a step is being expanded for.
type member struct {
	index  int
	count  int // members of the family the expansion runs over
	family string
}

// expandSteps replaces every step that names a family with F[*] by one
// copy per member, in index order, substituting the member everywhere
// inside the step ([*] in roles, bindings and references, and index()).
// Inside an expansion (m != nil) nested steps use the same member.
func expandSteps(steps []*step, reg *roleRegistry, m *member) ([]*step, hcl.Diagnostics) {
	var out []*step
	var diags hcl.Diagnostics
	for _, s := range steps {
		if m != nil {
			c, d := substituteStep(s, reg, *m)
			diags = append(diags, d...)
			out = append(out, c)
			continue
		}
		fam, count, d := stepFamily(s, reg)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		if fam == "" {
			c, d := expandChildren(s, reg)
			diags = append(diags, d...)
			out = append(out, c)
			continue
		}
		for i := range count {
			c, d := substituteStep(s, reg, member{index: i, count: count, family: fam})
			diags = append(diags, d...)
			out = append(out, c)
		}
	}
	return out, diags
}

// stepFamily returns the family a step expands over: the family of its
// first F[*] role, or "" when it names none.
func stepFamily(s *step, reg *roleRegistry) (string, int, hcl.Diagnostics) {
	fam, count := "", 0
	for _, r := range s.roles {
		if !r.star {
			continue
		}
		if fam == "" {
			fam, count = r.base, reg.family[r.base]
			continue
		}
		if c := reg.family[r.base]; c != count {
			return "", 0, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Families of different sizes",
				Detail:  fmt.Sprintf("%s[*] has %d members and %s[*] has %d; a step pairs members by index, so they must match.", fam, count, r.base, c),
				Subject: r.rng.Ptr()}}
		}
	}
	return fam, count, nil
}

// expandChildren keeps a step that names no family, checks it uses no
// [*], and expands the steps nested in it.
func expandChildren(s *step, reg *roleRegistry) (*step, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	starOutside := func(rng hcl.Range) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "[*] outside a family step",
			Detail:  "[*] and index() stand for the current family member, so they appear only in a step that names a role as Family[*] (or inside one).",
			Subject: rng.Ptr()})
	}
	for _, e := range []Expr{s.value, s.decide} {
		if ok, rng := hasStar(e); ok {
			starOutside(rng)
		}
	}
	if s.bind != nil && s.bind.star {
		starOutside(s.bind.Range)
	}
	if a := s.action; a != nil {
		for _, e := range []Expr{a.Args, a.Value} {
			if ok, rng := hasStar(e); ok {
				starOutside(rng)
			}
		}
		if a.Result != nil && a.Result.star {
			starOutside(a.Result.Range)
		}
	}
	c := *s
	var d hcl.Diagnostics
	c.body, d = expandSteps(s.body, reg, nil)
	diags = append(diags, d...)
	c.branches = nil
	for _, b := range s.branches {
		steps, d := expandSteps(b.steps, reg, nil)
		diags = append(diags, d...)
		c.branches = append(c.branches, &branch{label: b.label, rng: b.rng, steps: steps})
	}
	return &c, diags
}

// substituteStep copies s for member m.
func substituteStep(s *step, reg *roleRegistry, m member) (*step, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	c := *s
	c.roles = make([]roleRef, len(s.roles))
	for i, r := range s.roles {
		if r.star {
			if m.index >= reg.family[r.base] {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Family too small",
					Detail:  fmt.Sprintf("This step runs for each member of %s (%d), but %s has %d members.", m.family, m.count, r.base, reg.family[r.base]),
					Subject: r.rng.Ptr()})
			}
			r = roleRef{base: r.base, index: m.index, rng: r.rng}
		}
		c.roles[i] = r
	}
	c.value = substitute(s.value, m.index)
	c.decide = substitute(s.decide, m.index)
	c.bind = substituteTarget(s.bind, m)
	if s.action != nil {
		a := *s.action
		a.Args = substitute(a.Args, m.index)
		a.Value = substitute(a.Value, m.index)
		a.Result = substituteTarget(a.Result, m)
		c.action = &a
	}
	var d hcl.Diagnostics
	c.body, d = expandSteps(s.body, reg, &m)
	diags = append(diags, d...)
	c.branches = nil
	for _, b := range s.branches {
		steps, d := expandSteps(b.steps, reg, &m)
		diags = append(diags, d...)
		c.branches = append(c.branches, &branch{label: b.label, rng: b.rng, steps: steps})
	}
	return &c, diags
}

func substituteTarget(t *Target, m member) *Target {
	if t == nil || !t.star {
		return t
	}
	return &Target{Name: t.Name, Index: m.index, Len: m.count, Range: t.Range}
}
