package config

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Deployment files are static: expressions are evaluated with no variables
// and no functions, so a reference such as `mode = production` is reported
// (as an unquoted string where a string is wanted, else by HCL itself as
// "Variables not allowed").

// evalAttr evaluates an attribute's expression. ok is false when the value
// is unusable; the reason is already in d.
func (d *decoder) evalAttr(expr hcl.Expression) (cty.Value, bool) {
	v, diags := expr.Value(nil)
	d.add(diags...)
	if diags.HasErrors() || !v.IsWhollyKnown() {
		return cty.NilVal, false
	}
	return v, true
}

// stringAttr decodes a string attribute; numbers and bools are not
// converted, since `builtin = 5` is a mistake, not a name.
func (d *decoder) stringAttr(a *hcl.Attribute, example string) (string, bool) {
	if word, ok := bareWord(a.Expr); ok {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unquoted string",
			Detail:   fmt.Sprintf("The value of %s is a string and must be in double quotes: write %s = %q.", a.Name, a.Name, word),
			Subject:  a.Expr.Range().Ptr(),
		})
		return "", false
	}
	v, ok := d.evalAttr(a.Expr)
	if !ok {
		return "", false
	}
	if v.IsNull() || v.Type() != cty.String {
		d.wrongType(a.Expr.Range(), a.Name, "a string", v, fmt.Sprintf("%s = %s", a.Name, example))
		return "", false
	}
	return v.AsString(), true
}

// uintAttr decodes a whole number between 0 and 2^64-1.
func (d *decoder) uintAttr(a *hcl.Attribute, example string) (uint64, bool) {
	v, ok := d.evalAttr(a.Expr)
	if !ok {
		return 0, false
	}
	if v.IsNull() || v.Type() != cty.Number {
		d.wrongType(a.Expr.Range(), a.Name, "a whole number", v, fmt.Sprintf("%s = %s", a.Name, example))
		return 0, false
	}
	n, ok := wholeUint(v.AsBigFloat())
	if !ok {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid number",
			Detail:   fmt.Sprintf("%s must be a whole number from 0 to 18446744073709551615, not %s.", a.Name, numberText(v.AsBigFloat())),
			Subject:  a.Expr.Range().Ptr(),
		})
		return 0, false
	}
	return n, true
}

// item is one decoded element of a list or map attribute, with the range of
// its value (and of its key, for maps) for diagnostics about that element.
type item struct {
	Key        string
	Value      string
	KeyRange   hcl.Range
	ValueRange hcl.Range
}

// stringListAttr decodes a list of strings. A wrong element is reported at
// that element when the list is written literally.
func (d *decoder) stringListAttr(a *hcl.Attribute, example string) ([]item, bool) {
	want := "a list of strings"
	hint := fmt.Sprintf("%s = %s", a.Name, example)
	exprs, diags := hcl.ExprList(a.Expr)
	if diags.HasErrors() {
		// Not a literal list: evaluate it to say what it is instead.
		if v, ok := d.evalAttr(a.Expr); ok {
			d.wrongType(a.Expr.Range(), a.Name, want, v, hint)
		}
		return nil, false
	}
	out := make([]item, 0, len(exprs))
	ok := true
	for i, e := range exprs {
		v, good := d.evalAttr(e)
		if !good {
			ok = false
			continue
		}
		if v.IsNull() || v.Type() != cty.String {
			d.wrongType(e.Range(), fmt.Sprintf("%s[%d]", a.Name, i), "a string", v, hint)
			ok = false
			continue
		}
		out = append(out, item{Value: v.AsString(), ValueRange: e.Range()})
	}
	return out, ok
}

// stringMapAttr decodes a map of strings written as an object,
// `{ KEY = "value" }`, returning the entries in source order.
func (d *decoder) stringMapAttr(a *hcl.Attribute, example string) ([]item, bool) {
	want := "a map of strings"
	hint := fmt.Sprintf("%s = %s", a.Name, example)
	pairs, diags := hcl.ExprMap(a.Expr)
	if diags.HasErrors() {
		if v, ok := d.evalAttr(a.Expr); ok {
			d.wrongType(a.Expr.Range(), a.Name, want, v, hint)
		}
		return nil, false
	}
	out := make([]item, 0, len(pairs))
	ok := true
	seen := make(map[string]hcl.Range, len(pairs))
	for _, p := range pairs {
		k, good := d.evalAttr(p.Key)
		if !good {
			ok = false
			continue
		}
		if k.IsNull() || k.Type() != cty.String {
			d.wrongType(p.Key.Range(), a.Name+" key", "a string", k, hint)
			ok = false
			continue
		}
		key := k.AsString()
		if first, dup := seen[key]; dup {
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate key",
				Detail:   fmt.Sprintf("%s sets %q twice; the first is at %s. Remove one.", a.Name, key, lineOf(first, p.Key.Range())),
				Subject:  p.Key.Range().Ptr(),
			})
			ok = false
			continue
		}
		seen[key] = p.Key.Range()
		v, good := d.evalAttr(p.Value)
		if !good {
			ok = false
			continue
		}
		if v.IsNull() || v.Type() != cty.String {
			d.wrongType(p.Value.Range(), fmt.Sprintf("%s[%q]", a.Name, key), "a string", v, hint)
			ok = false
			continue
		}
		out = append(out, item{Key: key, Value: v.AsString(), KeyRange: p.Key.Range(), ValueRange: p.Value.Range()})
	}
	return out, ok
}

// wrongType reports a value of the wrong type, saying what was found and
// showing a correct example.
func (d *decoder) wrongType(r hcl.Range, what, want string, got cty.Value, example string) {
	d.add(&hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Incorrect attribute value type",
		Detail:   fmt.Sprintf("%s must be %s, not %s. For example: %s", what, want, describeValue(got), example),
		Subject:  r.Ptr(),
	})
}

// describeValue names the type of v for people: "a number", "null".
func describeValue(v cty.Value) string {
	if v == cty.NilVal || v.IsNull() {
		return "null"
	}
	t := v.Type()
	switch {
	case t == cty.String:
		return "a string"
	case t == cty.Number:
		return "a number"
	case t == cty.Bool:
		return "a bool"
	case t.IsTupleType() || t.IsListType() || t.IsSetType():
		return "a list"
	case t.IsObjectType() || t.IsMapType():
		return "an object"
	}
	return t.FriendlyName()
}

// bareWord reports whether expr is a lone identifier such as `production`,
// which HCL reads as a variable but the author meant as a string.
func bareWord(expr hcl.Expression) (string, bool) {
	t, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(t.Traversal) != 1 {
		return "", false
	}
	return t.Traversal.RootName(), true
}

// wholeUint converts f to a uint64 if it is a whole number in range.
func wholeUint(f *big.Float) (uint64, bool) {
	if f.IsInf() || !f.IsInt() || f.Sign() < 0 {
		return 0, false
	}
	n, acc := f.Uint64()
	return n, acc == big.Exact
}

// wholeInt converts f to an int64 if it is a whole number in range.
func wholeInt(f *big.Float) (int64, bool) {
	if f.IsInf() || !f.IsInt() {
		return 0, false
	}
	n, acc := f.Int64()
	return n, acc == big.Exact
}

// sortedAttrs returns attrs in source order, so diagnostics and decoding do
// not depend on map iteration order.
func sortedAttrs(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return before(out[i].NameRange, out[j].NameRange) })
	return out
}

// before orders ranges by file, then position.
func before(a, b hcl.Range) bool {
	if a.Filename != b.Filename {
		return a.Filename < b.Filename
	}
	return a.Start.Byte < b.Start.Byte
}

// lineOf names where r is, relative to the diagnostic at rel: "line 3" in
// the same file ("line 3, column 9" when rel is on that line too),
// "other.hcl:3" in another.
func lineOf(r, rel hcl.Range) string {
	if r.Filename == rel.Filename {
		if r.Start.Line == rel.Start.Line {
			return fmt.Sprintf("line %d, column %d", r.Start.Line, r.Start.Column)
		}
		return fmt.Sprintf("line %d", r.Start.Line)
	}
	return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line)
}

// intAttr decodes a whole number from lo to hi. rule, if set, replaces the
// range sentence in the message ("at least 1, or -1 to disable").
func (d *decoder) intAttr(a *hcl.Attribute, example string, lo, hi int64, rule string) (int, bool) {
	v, ok := d.evalAttr(a.Expr)
	if !ok {
		return 0, false
	}
	if v.IsNull() || v.Type() != cty.Number {
		d.wrongType(a.Expr.Range(), a.Name, "a whole number", v, fmt.Sprintf("%s = %s", a.Name, example))
		return 0, false
	}
	if rule == "" {
		rule = fmt.Sprintf("from %d to %d", lo, hi)
	}
	n, whole := wholeInt(v.AsBigFloat())
	if !whole || n < lo || n > hi {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid number",
			Detail:   fmt.Sprintf("%s must be a whole number %s, not %s. For example: %s = %s", a.Name, rule, numberText(v.AsBigFloat()), a.Name, example),
			Subject:  a.Expr.Range().Ptr(),
		})
		return 0, false
	}
	return int(n), true
}

// fractionAttr decodes a number from 0 to 1, such as a rate.
func (d *decoder) fractionAttr(a *hcl.Attribute, example string) (float64, bool) {
	v, ok := d.evalAttr(a.Expr)
	if !ok {
		return 0, false
	}
	if v.IsNull() || v.Type() != cty.Number {
		d.wrongType(a.Expr.Range(), a.Name, "a number from 0 to 1", v, fmt.Sprintf("%s = %s", a.Name, example))
		return 0, false
	}
	f := v.AsBigFloat()
	x, _ := f.Float64()
	if f.IsInf() || f.Sign() < 0 || x > 1 {
		hint := ""
		if x > 1 && x <= 100 {
			hint = fmt.Sprintf(" A rate is a fraction, not a percentage: %g%% is %s = %s.", x, a.Name, strconv.FormatFloat(x/100, 'f', -1, 64))
		}
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Rate out of range",
			Detail:   fmt.Sprintf("%s must be from 0 to 1, not %s.%s", a.Name, numberText(f), hint),
			Subject:  a.Expr.Range().Ptr(),
		})
		return 0, false
	}
	return x, true
}

// boolAttr decodes true or false.
func (d *decoder) boolAttr(a *hcl.Attribute) (bool, bool) {
	v, ok := d.evalAttr(a.Expr)
	if !ok {
		return false, false
	}
	if v.IsNull() || v.Type() != cty.Bool {
		d.wrongType(a.Expr.Range(), a.Name, "true or false", v, a.Name+" = true")
		return false, false
	}
	return v.True(), true
}
