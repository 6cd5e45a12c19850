package syntax

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/aurahost/aura-host/effects"
)

// stepKind tags a step of the protocol body.
type stepKind uint8

const (
	stepSend stepKind = iota + 1
	stepChoice
	stepRec
	stepContinue
	stepAction
)

// step is one block of a protocol body, kept as a tree that mirrors the
// source. Before family expansion its role references may name F[*];
// after, every role is concrete.
type step struct {
	kind stepKind
	rng  hcl.Range // the block header: type and labels

	// stepSend: roles[0] sends roles[1] label. stepChoice: roles[0] decides.
	// stepAction: roles[0] acts.
	roles    []roleRef
	label    string
	labelRng hcl.Range
	sort     Sort
	value    Expr
	bind     *Target

	decide   Expr
	branches []*branch

	name string // stepRec, stepContinue
	body []*step

	action *Action
}

// branch is one labelled alternative of a choice.
type branch struct {
	label string
	rng   hcl.Range
	steps []*step
}

// roleRef is a role as a step names it: "Client", "Guardian[2]" or, before
// expansion, "Guardian[*]".
type roleRef struct {
	base  string
	index int // member index; -1 for a single role
	star  bool
	rng   hcl.Range
}

func (r roleRef) String() string {
	switch {
	case r.star:
		return r.base + "[*]"
	case r.index >= 0:
		return memberName(r.base, r.index)
	}
	return r.base
}

// stepSchema says which labels and attributes each step block takes.
type stepSchema struct {
	labels []string // label names, for messages
	attrs  []string
	blocks bool // takes nested steps
}

var stepSchemas = map[string]stepSchema{
	"send":     {labels: []string{"from", "to", "label"}, attrs: []string{"value", "bind", "sort"}},
	"choice":   {labels: []string{"decider"}, attrs: []string{"decide"}},
	"rec":      {labels: []string{"name"}, blocks: true},
	"continue": {labels: []string{"name"}},
	"invoke":   {labels: []string{"role", "operation"}, attrs: []string{"args", "result"}},
	"acquire":  {labels: []string{"role", "guard"}},
	"release":  {labels: []string{"role", "guard"}},
	"set":      {labels: []string{"role", "name"}, attrs: []string{"value", "sort"}},
	"now":      {labels: []string{"role"}, attrs: []string{"result"}},
	"random":   {labels: []string{"role"}, attrs: []string{"bytes", "result"}},
}

func stepTypes() string { return strings.Join(slices.Sorted(maps.Keys(stepSchemas)), ", ") }

// decodeSteps decodes the step blocks of a body in source order.
func decodeSteps(blocks hclsyntax.Blocks, reg *roleRegistry) ([]*step, hcl.Diagnostics) {
	var out []*step
	var diags hcl.Diagnostics
	for _, b := range blocks {
		s, d := decodeStep(b, reg)
		diags = append(diags, d...)
		if s != nil {
			out = append(out, s)
		}
	}
	return out, diags
}

func decodeStep(b *hclsyntax.Block, reg *roleRegistry) (*step, hcl.Diagnostics) {
	if b.Type == "branch" {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Branch outside a choice",
			Detail: `A branch "Label" { ... } block belongs inside a choice "Decider" { ... } block.`, Subject: b.DefRange().Ptr()}}
	}
	schema, ok := stepSchemas[b.Type]
	if !ok {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unknown step",
			Detail: fmt.Sprintf("%q is not a step; the steps are %s.", b.Type, stepTypes()), Subject: b.TypeRange.Ptr()}}
	}
	if len(b.Labels) != len(schema.labels) {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Wrong number of labels",
			Detail:  fmt.Sprintf("A %s block takes %d labels (%s), got %d.", b.Type, len(schema.labels), strings.Join(schema.labels, ", "), len(b.Labels)),
			Subject: b.DefRange().Ptr()}}
	}
	var diags hcl.Diagnostics
	for _, name := range slices.Sorted(maps.Keys(b.Body.Attributes)) {
		if !slices.Contains(schema.attrs, name) {
			a := b.Body.Attributes[name]
			detail := fmt.Sprintf("A %s block takes no attributes.", b.Type)
			if len(schema.attrs) > 0 {
				detail = fmt.Sprintf("A %s block takes %s.", b.Type, strings.Join(schema.attrs, ", "))
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported attribute", Detail: detail, Subject: a.NameRange.Ptr()})
		}
	}
	if !schema.blocks && b.Type != "choice" {
		for _, inner := range b.Body.Blocks {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unexpected block",
				Detail: fmt.Sprintf("A %s block holds no nested blocks.", b.Type), Subject: inner.DefRange().Ptr()})
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	s := &step{rng: b.DefRange()}
	attrs := b.Body.Attributes
	role := func(i int) roleRef {
		r, d := reg.ref(b.Labels[i], b.LabelRanges[i])
		diags = append(diags, d...)
		return r
	}
	switch b.Type {
	case "send":
		s.kind = stepSend
		s.roles = []roleRef{role(0), role(1)}
		s.label, s.labelRng = b.Labels[2], b.LabelRanges[2]
		diags = append(diags, checkLabel(s.label, s.labelRng)...)
		s.value = optExpr(attrs["value"], &diags)
		diags = append(diags, checkWholeHost(s.value)...)
		s.bind = optTarget(attrs["bind"], &diags)
		s.sort = SortUnit
		if s.value != nil {
			s.sort = SortAny
		}
		if a, ok := attrs["sort"]; ok {
			str, d := stringAttr(a)
			switch {
			case d != nil:
				diags = append(diags, d)
			case !validSort(Sort(str)):
				diags = append(diags, attrError(a, "Unknown sort", fmt.Sprintf("%q is not a sort; use unit, any, bool, int, uint, nat, string, bytes, list or map.", str)))
			case str == string(SortUnit) && s.value != nil:
				diags = append(diags, attrError(a, "A unit message has no value", "Drop the value, or give the payload's sort."))
			case str != string(SortUnit) && s.value == nil:
				diags = append(diags, attrError(a, "Missing value", `A message of this sort carries a value: value = "$name", or value = host() to ask the host.`))
			default:
				s.sort = Sort(str)
			}
		}
	case "choice":
		s.kind = stepChoice
		s.roles = []roleRef{role(0)}
		s.decide = optExpr(attrs["decide"], &diags)
		diags = append(diags, checkNoHost(s.decide)...)
		for _, inner := range b.Body.Blocks {
			if inner.Type != "branch" {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unexpected block in choice",
					Detail: fmt.Sprintf(`A choice holds only branch "Label" { ... } blocks; move this %s into a branch.`, inner.Type), Subject: inner.DefRange().Ptr()})
				continue
			}
			if len(inner.Labels) != 1 {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Branch needs a label",
					Detail: `Write branch "Label" { ... }.`, Subject: inner.DefRange().Ptr()})
				continue
			}
			for _, name := range slices.Sorted(maps.Keys(inner.Body.Attributes)) {
				a := inner.Body.Attributes[name]
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported attribute",
					Detail: fmt.Sprintf("A branch holds steps, not attributes (%q).", name), Subject: a.NameRange.Ptr()})
			}
			body, d := decodeSteps(inner.Body.Blocks, reg)
			diags = append(diags, d...)
			s.branches = append(s.branches, &branch{label: inner.Labels[0], rng: inner.DefRange(), steps: body})
		}
	case "rec":
		s.kind = stepRec
		s.name = b.Labels[0]
		diags = append(diags, checkLabel(s.name, b.LabelRanges[0])...)
		body, d := decodeSteps(b.Body.Blocks, reg)
		diags = append(diags, d...)
		s.body = body
	case "continue":
		s.kind = stepContinue
		s.name = b.Labels[0]
	default:
		s.kind = stepAction
		s.roles = []roleRef{role(0)}
		s.action = decodeAction(b, &diags)
	}
	return s, diags
}

func decodeAction(b *hclsyntax.Block, diags *hcl.Diagnostics) *Action {
	attrs := b.Body.Attributes
	act := &Action{Range: b.DefRange()}
	switch b.Type {
	case "invoke":
		act.Kind = ActInvoke
		op, err := effects.ParseOpID(b.Labels[1])
		if err != nil {
			*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid operation",
				Detail: err.Error(), Subject: b.LabelRanges[1].Ptr()})
		}
		act.Op = op
		act.Args = optExpr(attrs["args"], diags)
		*diags = append(*diags, checkNoHost(act.Args)...)
		if _, ok := act.Args.(*MapExpr); act.Args != nil && !ok {
			*diags = append(*diags, attrError(attrs["args"], "Arguments are a map", "Write args = { name = value, ... }."))
		}
		act.Result = optTarget(attrs["result"], diags)
	case "acquire", "release":
		act.Kind = ActAcquire
		if b.Type == "release" {
			act.Kind = ActRelease
		}
		act.Guard = b.Labels[1]
		*diags = append(*diags, checkLabel(act.Guard, b.LabelRanges[1])...)
	case "set":
		act.Kind = ActSet
		t, d := parseTarget(b.Labels[1], b.LabelRanges[1])
		*diags = append(*diags, d...)
		act.Result = t
		a, ok := attrs["value"]
		if !ok {
			*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing value",
				Detail: `A set step needs value = ... (an expression, or host() to ask the host).`, Subject: b.DefRange().Ptr()})
			break
		}
		act.Value = optExpr(a, diags)
		*diags = append(*diags, checkWholeHost(act.Value)...)
		if sa, ok := attrs["sort"]; ok {
			str, d := stringAttr(sa)
			switch {
			case d != nil:
				*diags = append(*diags, d)
			case !validSort(Sort(str)) || str == string(SortUnit):
				*diags = append(*diags, attrError(sa, "Unknown sort", fmt.Sprintf("%q is not a sort of a value; use any, bool, int, uint, nat, string, bytes, list or map.", str)))
			default:
				act.Sort = Sort(str)
			}
		}
	case "now":
		act.Kind = ActNow
		act.Result = optTarget(attrs["result"], diags)
	case "random":
		act.Kind = ActRandom
		a, ok := attrs["bytes"]
		if !ok {
			*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing bytes",
				Detail: "A random step says how many bytes it wants: bytes = 32.", Subject: b.DefRange().Ptr()})
			break
		}
		n, d := intAttr(a, 1, 1<<16)
		*diags = append(*diags, d...)
		act.Bytes = n
		act.Result = optTarget(attrs["result"], diags)
	}
	return act
}

// checkWholeHost allows host() only as the whole expression.
func checkWholeHost(e Expr) hcl.Diagnostics {
	if IsHost(e) {
		return nil
	}
	return checkNoHost(e)
}

func checkLabel(s string, rng hcl.Range) hcl.Diagnostics {
	if isIdent(s) {
		return nil
	}
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid name",
		Detail: fmt.Sprintf("%q: labels, recursion and guard names are identifiers (letters, digits, '_').", s), Subject: rng.Ptr()}}
}

func optExpr(a *hclsyntax.Attribute, diags *hcl.Diagnostics) Expr {
	if a == nil {
		return nil
	}
	e, d := decodeExpr(a.Expr)
	*diags = append(*diags, d...)
	return e
}

func optTarget(a *hclsyntax.Attribute, diags *hcl.Diagnostics) *Target {
	if a == nil {
		return nil
	}
	s, d := stringAttr(a)
	if d != nil {
		*diags = append(*diags, d)
		return nil
	}
	t, d2 := parseTarget(s, a.Expr.Range())
	*diags = append(*diags, d2...)
	return t
}

// parseTarget reads a binding target: "name" or, in a family step, "name[*]".
// A leading "$" is tolerated, since references are written with one.
func parseTarget(s string, rng hcl.Range) (*Target, hcl.Diagnostics) {
	s = strings.TrimPrefix(s, "$")
	name, star := strings.CutSuffix(s, "[*]")
	if !isIdent(name) {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid binding name",
			Detail: fmt.Sprintf(`%q: a binding is a name ("approval") or, in a family step, one element per member ("approval[*]").`, s), Subject: rng.Ptr()}}
	}
	return &Target{Name: name, Index: -1, Range: rng, star: star}, nil
}

// ref resolves a role label against the declared roles.
func (reg *roleRegistry) ref(s string, rng hcl.Range) (roleRef, hcl.Diagnostics) {
	base, rest, hasIndex := strings.Cut(s, "[")
	bad := func(detail string) (roleRef, hcl.Diagnostics) {
		return roleRef{base: s, index: -1, rng: rng}, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unknown role",
			Detail: detail, Subject: rng.Ptr()}}
	}
	count, isFamily := reg.family[base]
	if !hasIndex {
		if reg.single[base] {
			return roleRef{base: base, index: -1, rng: rng}, nil
		}
		if isFamily {
			return bad(fmt.Sprintf("%q is a role family: name one member, %s[0], or every member, %s[*].", base, base, base))
		}
		return bad(fmt.Sprintf("%q is not a role of this protocol; the roles are %s.", s, reg.describe()))
	}
	if !isFamily {
		return bad(fmt.Sprintf("%q is not a role family of this protocol; the roles are %s.", base, reg.describe()))
	}
	inner, ok := strings.CutSuffix(rest, "]")
	if !ok {
		return bad(fmt.Sprintf("%q: write %s[n] or %s[*].", s, base, base))
	}
	if inner == "*" {
		return roleRef{base: base, index: -1, star: true, rng: rng}, nil
	}
	n, err := parseIndex(inner)
	if err != nil || n >= count {
		return bad(fmt.Sprintf("%q: %s has members %s[0] to %s[%d].", s, base, base, base, count-1))
	}
	return roleRef{base: base, index: n, rng: rng}, nil
}

func (reg *roleRegistry) describe() string {
	var parts []string
	for _, r := range reg.roles {
		if !strings.Contains(r, "[") {
			parts = append(parts, r)
		}
	}
	for _, f := range reg.families {
		parts = append(parts, fmt.Sprintf("%s[%d]", f.Name, f.Count))
	}
	return strings.Join(parts, ", ")
}
