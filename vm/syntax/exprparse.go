package syntax

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/internal/hclsafe"
	"github.com/aurahost/aura-host/vm/internal/builtin"
)

// ParseExpr parses one expression of the protocol language, as written
// in an attribute: what tests and tools use to read an expression alone.
func ParseExpr(src []byte, filename string) (Expr, hcl.Diagnostics) {
	if diags := hclsafe.Check(src, filename, 0); diags.HasErrors() {
		return nil, diags
	}
	x, diags := hclsyntax.ParseExpression(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	return decodeExpr(x)
}

// decodeExpr turns an HCL expression into the protocol language's Expr.
// It accepts a deliberately small subset of HCL: what a deterministic
// machine can evaluate without the outside world.
func decodeExpr(x hclsyntax.Expression) (Expr, hcl.Diagnostics) {
	rng := x.Range()
	switch x := x.(type) {
	case *hclsyntax.ParenthesesExpr:
		return decodeExpr(x.Expression)
	case *hclsyntax.LiteralValueExpr:
		v, diag := literalValue(x.Val, rng)
		if diag != nil {
			return nil, hcl.Diagnostics{diag}
		}
		return &LitExpr{Value: v, rng: rng}, nil
	case *hclsyntax.TemplateExpr:
		if !x.IsStringLiteral() {
			return nil, exprError(rng, "String templates are not supported",
				`Interpolation ("${...}") is not part of the protocol language; write a binding as "$name" and join values with concat().`)
		}
		s := x.Parts[0].(*hclsyntax.LiteralValueExpr).Val.AsString()
		return decodeString(s, rng)
	case *hclsyntax.TemplateWrapExpr:
		return nil, exprError(rng, "String templates are not supported",
			`Interpolation ("${...}") is not part of the protocol language; write a binding as "$name".`)
	case *hclsyntax.TupleConsExpr:
		out := &ListExpr{rng: rng}
		var diags hcl.Diagnostics
		for _, it := range x.Exprs {
			e, d := decodeExpr(it)
			diags = append(diags, d...)
			out.Items = append(out.Items, e)
		}
		return out, diags
	case *hclsyntax.ObjectConsExpr:
		return decodeObject(x)
	case *hclsyntax.FunctionCallExpr:
		return decodeCall(x)
	case *hclsyntax.BinaryOpExpr:
		op, ok := binaryOps[x.Op]
		if !ok {
			return nil, exprError(rng, "Unsupported operator", "This operator is not part of the protocol language.")
		}
		l, d1 := decodeExpr(x.LHS)
		r, d2 := decodeExpr(x.RHS)
		diags := append(d1, d2...)
		if diags.HasErrors() {
			return nil, diags
		}
		return &BinaryExpr{Op: op, Left: l, Right: r, rng: rng}, nil
	case *hclsyntax.UnaryOpExpr:
		inner, diags := decodeExpr(x.Val)
		if diags.HasErrors() {
			return nil, diags
		}
		if x.Op == hclsyntax.OpNegate {
			// Fold a negative literal so -3 is a constant, not an operation.
			if lit, ok := inner.(*LitExpr); ok && lit.Value.Kind() == effects.KindInt {
				i, _ := lit.Value.AsInt()
				if i != math.MinInt64 {
					return &LitExpr{Value: effects.Int(-i), rng: rng}, nil
				}
			}
			if lit, ok := inner.(*LitExpr); ok && lit.Value.Kind() == effects.KindUint {
				// 9223372036854775808 only fits as uint; its negation is MinInt64.
				if u, _ := lit.Value.AsUint(); u == 1<<63 {
					return &LitExpr{Value: effects.Int(math.MinInt64), rng: rng}, nil
				}
			}
			return &UnaryExpr{Op: "-", X: inner, rng: rng}, nil
		}
		return &UnaryExpr{Op: "!", X: inner, rng: rng}, nil
	case *hclsyntax.ConditionalExpr:
		c, d1 := decodeExpr(x.Condition)
		t, d2 := decodeExpr(x.TrueResult)
		f, d3 := decodeExpr(x.FalseResult)
		diags := append(append(d1, d2...), d3...)
		if diags.HasErrors() {
			return nil, diags
		}
		return &CondExpr{Cond: c, Then: t, Else: f, rng: rng}, nil
	case *hclsyntax.ScopeTraversalExpr:
		name := x.Traversal.RootName()
		return nil, exprError(rng, "Bare names are not bindings",
			fmt.Sprintf(`%q is not a value. Refer to a binding as a string, "$%s"; a literal string is quoted, "%s".`, name, name, name))
	}
	return nil, exprError(rng, "Unsupported expression",
		"The protocol language has literals, \"$name\" bindings, lists, maps, operators, a conditional and built-in functions; see vm/LANGUAGE.md.")
}

func exprError(rng hcl.Range, summary, detail string) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rng.Ptr()}}
}

var binaryOps = map[*hclsyntax.Operation]string{
	hclsyntax.OpLogicalOr: "||", hclsyntax.OpLogicalAnd: "&&",
	hclsyntax.OpEqual: "==", hclsyntax.OpNotEqual: "!=",
	hclsyntax.OpGreaterThan: ">", hclsyntax.OpGreaterThanOrEqual: ">=",
	hclsyntax.OpLessThan: "<", hclsyntax.OpLessThanOrEqual: "<=",
	hclsyntax.OpAdd: "+", hclsyntax.OpSubtract: "-", hclsyntax.OpMultiply: "*",
	hclsyntax.OpDivide: "/", hclsyntax.OpModulo: "%",
}

// literalValue converts an HCL literal. Numbers must be integers: values
// hash the same everywhere only without floats.
func literalValue(v cty.Value, rng hcl.Range) (effects.Value, *hcl.Diagnostic) {
	switch {
	case v.IsNull():
		return effects.Null(), nil
	case v.Type() == cty.Bool:
		return effects.Bool(v.True()), nil
	case v.Type() == cty.String:
		return effects.String(v.AsString()), nil
	case v.Type() == cty.Number:
		bf := v.AsBigFloat()
		if !bf.IsInt() {
			return effects.Value{}, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Numbers must be integers",
				Detail: "Protocol values have no floats, so traces hash the same on every machine.", Subject: rng.Ptr()}
		}
		bi, _ := bf.Int(nil)
		if bi.IsInt64() {
			return effects.Int(bi.Int64()), nil
		}
		if bi.IsUint64() {
			return effects.Uint(bi.Uint64()), nil
		}
		return effects.Value{}, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Number out of range",
			Detail: fmt.Sprintf("%s does not fit in 64 bits.", bi.Text(10)), Subject: rng.Ptr()}
	}
	return effects.Value{}, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported literal", Subject: rng.Ptr()}
}

// decodeString reads a string literal: "$name..." is a binding reference,
// "$$..." a literal string starting with "$", anything else a string.
func decodeString(s string, rng hcl.Range) (Expr, hcl.Diagnostics) {
	if strings.HasPrefix(s, "$$") {
		return &LitExpr{Value: effects.String(s[1:]), rng: rng}, nil
	}
	if !strings.HasPrefix(s, "$") {
		return &LitExpr{Value: effects.String(s), rng: rng}, nil
	}
	ref, err := parseRef(s[1:])
	if err != nil {
		return nil, exprError(rng, "Invalid binding reference",
			fmt.Sprintf(`%q: %s. A reference is "$name" followed by .field, [n] or, in a family step, [*]; write "$$" for a literal "$".`, s, err))
	}
	ref.rng = rng
	return ref, nil
}

// parseRef parses name(.field|[n]|[*])*.
func parseRef(s string) (*RefExpr, error) {
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || i > 0 && s[i] >= '0' && s[i] <= '9') {
		i++
	}
	if i == 0 {
		return nil, fmt.Errorf("a binding name starts with a letter or '_'")
	}
	ref := &RefExpr{Name: s[:i]}
	rest := s[i:]
	for rest != "" {
		switch rest[0] {
		case '.':
			j := 1
			for j < len(rest) && rest[j] != '.' && rest[j] != '[' {
				j++
			}
			if !isIdent(rest[1:j]) {
				return nil, fmt.Errorf("field %q is not an identifier", rest[1:j])
			}
			ref.Path = append(ref.Path, PathStep{Field: rest[1:j]})
			rest = rest[j:]
		case '[':
			j := strings.IndexByte(rest, ']')
			if j < 0 {
				return nil, fmt.Errorf("unclosed '['")
			}
			inner := rest[1:j]
			if inner == "*" {
				ref.Path = append(ref.Path, PathStep{Star: true})
			} else {
				n, err := parseIndex(inner)
				if err != nil {
					return nil, err
				}
				ref.Path = append(ref.Path, PathStep{Index: n})
			}
			rest = rest[j+1:]
		default:
			return nil, fmt.Errorf("unexpected %q", rest[:1])
		}
	}
	return ref, nil
}

func parseIndex(s string) (int, error) {
	if s == "" || len(s) > 6 {
		return 0, fmt.Errorf("index %q is not a small non-negative integer", s)
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("index %q is not a small non-negative integer", s)
		}
		n = n*10 + int(r-'0')
	}
	return n, nil
}

func decodeObject(x *hclsyntax.ObjectConsExpr) (Expr, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	type kv struct {
		k string
		v Expr
	}
	var items []kv
	seen := map[string]bool{}
	for _, it := range x.Items {
		kval, d := it.KeyExpr.Value(nil)
		if d.HasErrors() || kval.IsNull() || kval.Type() != cty.String {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid map key",
				Detail: "A map key is a name or a literal string.", Subject: it.KeyExpr.Range().Ptr()})
			continue
		}
		k := kval.AsString()
		if seen[k] {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate map key",
				Detail: fmt.Sprintf("The key %q appears twice.", k), Subject: it.KeyExpr.Range().Ptr()})
			continue
		}
		seen[k] = true
		v, d2 := decodeExpr(it.ValueExpr)
		diags = append(diags, d2...)
		items = append(items, kv{k, v})
	}
	slices.SortFunc(items, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	out := &MapExpr{rng: x.SrcRange}
	for _, it := range items {
		out.Keys = append(out.Keys, it.k)
		out.Values = append(out.Values, it.v)
	}
	return out, diags
}

func decodeCall(x *hclsyntax.FunctionCallExpr) (Expr, hcl.Diagnostics) {
	rng := x.Range()
	if x.ExpandFinal {
		return nil, exprError(rng, "Argument expansion is not supported", "Pass the arguments one by one.")
	}
	var min, max int
	switch x.Name {
	case "host", "index":
		min, max = 0, 0
	default:
		b, ok := builtin.Funcs[x.Name]
		if !ok {
			return nil, exprError(x.NameRange, "Unknown function",
				fmt.Sprintf("There is no function %q. The built-ins are %s, index() and host().", x.Name, builtin.Names()))
		}
		min, max = b.Min, b.Max
	}
	if len(x.Args) < min || max >= 0 && len(x.Args) > max {
		want := fmt.Sprintf("%d", min)
		switch {
		case max < 0:
			want = fmt.Sprintf("at least %d", min)
		case max != min:
			want = fmt.Sprintf("%d to %d", min, max)
		}
		return nil, exprError(rng, "Wrong number of arguments", fmt.Sprintf("%s() takes %s arguments, got %d.", x.Name, want, len(x.Args)))
	}
	if x.Name == "host" {
		return &HostExpr{rng: rng}, nil
	}
	out := &CallExpr{Func: x.Name, rng: rng}
	var diags hcl.Diagnostics
	for _, a := range x.Args {
		e, d := decodeExpr(a)
		diags = append(diags, d...)
		out.Args = append(out.Args, e)
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return out, nil
}

// checkNoHost reports host() anywhere but as a whole value.
func checkNoHost(e Expr) hcl.Diagnostics {
	var diags hcl.Diagnostics
	WalkExpr(e, func(x Expr) {
		if h, ok := x.(*HostExpr); ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "host() must be the whole value",
				Detail: "host() asks the host for a send payload or a set value; it cannot be part of a larger expression.", Subject: h.rng.Ptr()})
		}
	})
	return diags
}
