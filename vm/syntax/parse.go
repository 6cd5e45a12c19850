package syntax

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/aurahost/aura-host/internal/hclsafe"
	"github.com/aurahost/aura-host/vm/policy"
)

// Parse decodes and checks one protocol written in the HCL protocol
// language (vm/LANGUAGE.md). src is the file's content and filename names
// it in diagnostics; Parse never reads a file itself. Every mistake is a
// diagnostic with the range of the offending step; the protocol is nil
// when there are errors.
//
// Before the HCL parser runs, Parse refuses bytes that are not UTF-8 and
// nesting deeper than hclsafe.DefaultMaxDepth (512) levels, which would
// overflow the parser's stack; so a protocol nests its blocks (rec,
// choice, branch) at most about 500 deep.
func Parse(src []byte, filename string) (*Protocol, hcl.Diagnostics) {
	return parse(src, filename, hclsafe.DefaultMaxDepth)
}

// parse is Parse with a nesting limit, so tests can measure the checks
// on protocols nested deeper than Parse accepts.
func parse(src []byte, filename string, maxDepth int) (*Protocol, hcl.Diagnostics) {
	if diags := hclsafe.Check(src, filename, maxDepth); diags.HasErrors() {
		return nil, diags
	}
	file, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	body := file.Body.(*hclsyntax.Body)
	for _, a := range body.Attributes {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unexpected attribute",
			Detail: fmt.Sprintf("A protocol file holds one protocol block; %q belongs inside it.", a.Name), Subject: a.NameRange.Ptr()})
	}
	var blocks []*hclsyntax.Block
	for _, b := range body.Blocks {
		if b.Type != "protocol" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unexpected block",
				Detail: fmt.Sprintf("A protocol file holds one protocol block, not %q.", b.Type), Subject: b.TypeRange.Ptr()})
			continue
		}
		blocks = append(blocks, b)
	}
	switch {
	case len(blocks) == 0 && !diags.HasErrors():
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No protocol",
			Detail: `The file has no protocol "name" { ... } block.`, Subject: body.SrcRange.Ptr()})
	case len(blocks) > 1:
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "More than one protocol",
			Detail: "A protocol file holds exactly one protocol block; put the others in their own files.", Subject: blocks[1].DefRange().Ptr()})
	}
	if diags.HasErrors() {
		return nil, diags
	}
	p, d := decodeProtocol(blocks[0])
	diags = append(diags, d...)
	if diags.HasErrors() {
		return nil, Dedupe(diags)
	}
	p.Filename, p.Source = filename, slices.Clone(src)
	return p, diags
}

// protocolAttrs are the attributes of a protocol block.
var protocolAttrs = []string{"roles", "scheduler", "policy", "step_multiplier", "capacity"}

func decodeProtocol(b *hclsyntax.Block) (*Protocol, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	if len(b.Labels) != 1 {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Protocol needs a name",
			Detail: `Write protocol "name" { ... }.`, Subject: b.DefRange().Ptr()}}
	}
	p := &Protocol{Name: b.Labels[0], Range: b.DefRange()}
	for _, name := range slices.Sorted(maps.Keys(b.Body.Attributes)) {
		a := b.Body.Attributes[name]
		if !slices.Contains(protocolAttrs, name) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported attribute",
				Detail: fmt.Sprintf("A protocol block takes %s; %q is not one of them.", strings.Join(protocolAttrs, ", "), name), Subject: a.NameRange.Ptr()})
		}
	}
	rolesAttr, ok := b.Body.Attributes["roles"]
	if !ok {
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing roles",
			Detail: `A protocol declares its roles: roles = ["Client", "Server", "Guardian[3]"].`, Subject: b.DefRange().Ptr()})
	}
	reg, d := decodeRoles(rolesAttr)
	diags = append(diags, d...)
	if a, ok := b.Body.Attributes["scheduler"]; ok {
		if s, d := stringAttr(a); d != nil {
			diags = append(diags, d)
		} else if pol, err := policy.ParseScheduler(s); err != nil {
			diags = append(diags, attrError(a, "Unknown scheduler", err.Error()))
		} else {
			p.Scheduler = pol
		}
	}
	if a, ok := b.Body.Attributes["policy"]; ok {
		if s, d := stringAttr(a); d != nil {
			diags = append(diags, d)
		} else if _, ok := policy.LookupExecution(s); !ok {
			diags = append(diags, attrError(a, "Unknown execution policy",
				fmt.Sprintf("%q is not one of %s.", s, strings.Join(policy.ExecutionNames(), ", "))))
		} else {
			p.Policy = s
		}
	}
	if a, ok := b.Body.Attributes["step_multiplier"]; ok {
		n, d := intAttr(a, 1, 1<<20)
		diags = append(diags, d...)
		p.StepMultiplier = n
	}
	if a, ok := b.Body.Attributes["capacity"]; ok {
		n, d := intAttr(a, 1, 1<<20)
		diags = append(diags, d...)
		p.Capacity = n
	}
	if diags.HasErrors() {
		return nil, diags
	}
	p.Roles, p.Families = reg.roles, reg.families

	steps, d := decodeSteps(b.Body.Blocks, reg)
	diags = append(diags, d...)
	if diags.HasErrors() {
		return nil, diags
	}
	// Family steps multiply: count what expansion would make before
	// making it, so a few bytes cannot ask for millions of steps.
	if d := checkProjectionSize(len(reg.roles), expandedSize(steps, reg, MaxProjectionSize), b.DefRange()); d.HasErrors() {
		return nil, append(diags, d...)
	}
	steps, d = expandSteps(steps, reg, nil)
	diags = append(diags, d...)
	if diags.HasErrors() {
		return nil, diags
	}
	diags = append(diags, checkSteps(steps, reg)...)
	diags = append(diags, checkBindings(steps, reg)...)
	if diags.HasErrors() {
		return nil, diags
	}
	p.Global = buildGlobal(steps, &Global{Kind: GEnd, Range: b.CloseBraceRange})
	diags = append(diags, CheckGlobal(p)...)
	if diags.HasErrors() {
		return nil, diags
	}
	return p, diags
}

// roleRegistry holds the declared roles and families.
type roleRegistry struct {
	roles    []string
	families []Family
	single   map[string]bool
	family   map[string]int // name -> count
}

func decodeRoles(a *hclsyntax.Attribute) (*roleRegistry, hcl.Diagnostics) {
	reg := &roleRegistry{single: map[string]bool{}, family: map[string]int{}}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() {
		return reg, diags
	}
	if v.IsNull() || !v.Type().IsTupleType() && !v.Type().IsListType() {
		return reg, hcl.Diagnostics{attrError(a, "Invalid roles", `roles is a list of role names, e.g. ["Client", "Server", "Guardian[3]"].`)}
	}
	items := []cty.Value{}
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		items = append(items, e)
	}
	if len(items) < 2 {
		diags = append(diags, attrError(a, "Too few roles", "A protocol has at least two roles."))
	}
	for _, e := range items {
		if e.IsNull() || e.Type() != cty.String {
			diags = append(diags, attrError(a, "Invalid role", "Each role is a string."))
			continue
		}
		s := e.AsString()
		name, count, isFamily, err := parseRoleDecl(s)
		if err != nil {
			diags = append(diags, attrError(a, "Invalid role", err.Error()))
			continue
		}
		if reg.single[name] || reg.family[name] > 0 {
			diags = append(diags, attrError(a, "Duplicate role", fmt.Sprintf("The role %q is declared twice.", name)))
			continue
		}
		if !isFamily {
			if len(reg.roles)+1 > MaxRoles {
				return reg, append(diags, checkRoleCount(len(reg.roles)+1, a.Expr.Range())...)
			}
			reg.single[name] = true
			reg.roles = append(reg.roles, name)
			continue
		}
		if len(reg.roles)+count > MaxRoles {
			return reg, append(diags, checkRoleCount(len(reg.roles)+count, a.Expr.Range())...)
		}
		reg.family[name] = count
		reg.families = append(reg.families, Family{Name: name, Count: count})
		for i := range count {
			reg.roles = append(reg.roles, memberName(name, i))
		}
	}
	return reg, diags
}

func memberName(family string, i int) string { return fmt.Sprintf("%s[%d]", family, i) }

// parseRoleDecl reads "Name" or "Name[N]".
func parseRoleDecl(s string) (name string, count int, family bool, err error) {
	name, rest, found := strings.Cut(s, "[")
	if !isRoleName(name) {
		return "", 0, false, fmt.Errorf("%q: a role name starts with a letter, then letters, digits or '_'", s)
	}
	if !found {
		return name, 0, false, nil
	}
	n, err := parseIndex(strings.TrimSuffix(rest, "]"))
	if err != nil || !strings.HasSuffix(rest, "]") || n < 1 || n > 1024 {
		return "", 0, false, fmt.Errorf("%q: a role family is Name[N] with 1 <= N <= 1024 members", s)
	}
	return name, n, true, nil
}

func isRoleName(s string) bool {
	return isIdent(s) && (s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z')
}

func attrError(a *hclsyntax.Attribute, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: a.Expr.Range().Ptr()}
}

func stringAttr(a *hclsyntax.Attribute) (string, *hcl.Diagnostic) {
	v, d := a.Expr.Value(nil)
	if d.HasErrors() || v.IsNull() || v.Type() != cty.String {
		return "", attrError(a, "Invalid value", fmt.Sprintf("%s must be a literal string.", a.Name))
	}
	return v.AsString(), nil
}

func intAttr(a *hclsyntax.Attribute, lo, hi int) (int, hcl.Diagnostics) {
	v, d := a.Expr.Value(nil)
	if d.HasErrors() || v.IsNull() || v.Type() != cty.Number {
		return 0, hcl.Diagnostics{attrError(a, "Invalid value", fmt.Sprintf("%s must be an integer.", a.Name))}
	}
	bf := v.AsBigFloat()
	i, acc := bf.Int64()
	if !bf.IsInt() || acc != 0 || i < int64(lo) || i > int64(hi) {
		return 0, hcl.Diagnostics{attrError(a, "Invalid value", fmt.Sprintf("%s must be an integer from %d to %d.", a.Name, lo, hi))}
	}
	return int(i), nil
}

// Dedupe drops repeated diagnostics: a step expanded over a family reports
// the same mistake once, not once per member.
func Dedupe(diags hcl.Diagnostics) hcl.Diagnostics {
	seen := map[string]bool{}
	var out hcl.Diagnostics
	for _, d := range diags {
		key := d.Summary + "\x00" + d.Detail
		if d.Subject != nil {
			key += fmt.Sprintf("\x00%s:%d:%d", d.Subject.Filename, d.Subject.Start.Byte, d.Subject.End.Byte)
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, d)
	}
	return out
}
