package config

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/aurahost/aura-host/effects"
)

// DecodePluginConfig decodes p's config block against the schema the plugin
// declared (its Descriptor.Config, which must have passed
// Descriptor.Validate). The result is always a map Value holding every
// attribute that was set and valid, plus the Default of every absent field
// that has one; an absent optional field without a default is left out, and
// `name = null` counts as absent.
//
// HCL values become Values by the field's kind:
//   - string: an HCL string (numbers and bools are not converted);
//   - int, uint: a whole number in range (fractions are rejected);
//   - bool: true or false;
//   - bytes: a string of hex digits, e.g. "00ff" (upper or lower case, an
//     even number of digits), since HCL has no bytes literal and the CLI
//     prints bytes as hex;
//   - list: an HCL list/tuple, map: an HCL object, items of any kind;
//   - any: whatever was written — strings, whole numbers (int, or uint
//     above the int64 range), bools, lists, objects, null.
//
// Every problem is a diagnostic in the user's file: an unknown attribute
// (with a suggestion and the accepted ones), a missing required one (at the
// config block, or the plugin block if there is none), a value of the wrong
// kind, a nested block.
func DecodePluginConfig(p *Plugin, schema []effects.ConfigField) (effects.Value, hcl.Diagnostics) {
	return configBlock{what: "Plugin", name: p.Name, body: p.Config, at: p.ConfigRange, decl: p.DeclRange}.decode(schema)
}

// DecodeServiceConfig decodes a host-owned service's config block against
// the schema its kind declares, as DecodePluginConfig does a plugin's.
func DecodeServiceConfig(s *Service, schema []effects.ConfigField) (effects.Value, hcl.Diagnostics) {
	return configBlock{what: "Service", name: s.Name, body: s.Config, at: s.ConfigRange, decl: s.DeclRange}.decode(schema)
}

// configBlock is a config block and whose it is, for messages.
type configBlock struct {
	what, name string // "Plugin", "storage"
	body       hcl.Body
	at, decl   hcl.Range // the config block's header (zero if absent), the owner's
}

func (p configBlock) decode(schema []effects.ConfigField) (effects.Value, hcl.Diagnostics) {
	body := p.body
	if body == nil {
		body = hcl.EmptyBody()
	}
	attrs, diags := configAttributes(body)
	fields := make(map[string]effects.Value, len(schema))
	for _, a := range sortedAttrs(attrs) {
		f := configField(schema, a.Name)
		if f == nil {
			diags = append(diags, unknownConfigAttr(p, a, schema))
			continue
		}
		v, vdiags := a.Expr.Value(nil)
		diags = append(diags, vdiags...)
		if vdiags.HasErrors() || !v.IsWhollyKnown() || v.IsNull() {
			continue
		}
		val, problem := toValue(v, f.Kind)
		// The config map is level 0 of the value a plugin receives, so an
		// attribute's value starts at level 1 (effects.MaxDepth).
		if problem == "" && val.DeeperThan(effects.MaxDepth-1) {
			problem = fmt.Sprintf("it nests lists and objects more than %d levels deep (counting the config block as level 0), deeper than the plugin protocol carries (effects.MaxDepth): flatten it", effects.MaxDepth)
		}
		if problem != "" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid config value",
				Detail:   fmt.Sprintf("%s of %s %q must be %s: %s. For example: %s = %s", a.Name, strings.ToLower(p.what), p.name, kindPhrase(f.Kind), problem, a.Name, kindExample(f.Kind)),
				Subject:  a.Expr.Range().Ptr(),
			})
			continue
		}
		fields[a.Name] = val
	}
	missingAt := p.at
	if missingAt == (hcl.Range{}) {
		missingAt = p.decl
	}
	for _, f := range schema {
		if _, set := fields[f.Name]; set {
			continue
		}
		if a, written := attrs[f.Name]; written {
			// Written but null, or invalid and already reported.
			if v, d := a.Expr.Value(nil); d.HasErrors() || !v.IsNull() {
				continue
			}
		}
		switch {
		case f.Required:
			doc := ""
			if f.Doc != "" {
				doc = fmt.Sprintf(" (%s)", strings.TrimSuffix(f.Doc, "."))
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing required config",
				Detail:   fmt.Sprintf("%s %q needs %s, %s%s. Add it to the %s's config block: config { %s = %s }", p.what, p.name, f.Name, kindPhrase(f.Kind), doc, strings.ToLower(p.what), f.Name, kindExample(f.Kind)),
				Subject:  missingAt.Ptr(),
			})
		case !f.Default.IsNull():
			fields[f.Name] = f.Default
		}
	}
	return effects.Map(fields), diags
}

// checkConfigBody reports, while parsing, the config mistakes that need no
// schema: nested blocks, references, fractional or out-of-range numbers.
// `aura-host validate` thus catches them without starting any plugin.
func (d *decoder) checkConfigBody(body hcl.Body) {
	attrs, diags := configAttributes(body)
	d.add(diags...)
	for _, a := range sortedAttrs(attrs) {
		v, ok := d.evalAttr(a.Expr)
		if !ok {
			continue
		}
		if _, problem := toValue(v, effects.KindAny); problem != "" {
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid config value",
				Detail:   fmt.Sprintf("%s cannot be a config value: %s.", a.Name, problem),
				Subject:  a.Expr.Range().Ptr(),
			})
		}
	}
}

// configAttributes returns the attributes of a config body, reporting each
// nested block (config holds only name = value).
func configAttributes(body hcl.Body) (hcl.Attributes, hcl.Diagnostics) {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		return body.JustAttributes()
	}
	var diags hcl.Diagnostics
	for _, b := range sb.Blocks {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Blocks are not allowed in config",
			Detail:   fmt.Sprintf("A config block holds only arguments (name = value). For a structured value write %s = { ... } (an object) instead of a block.", b.Type),
			Subject:  b.TypeRange.Ptr(),
		})
	}
	attrs := make(hcl.Attributes, len(sb.Attributes))
	for name, a := range sb.Attributes {
		attrs[name] = a.AsHCLAttribute()
	}
	return attrs, diags
}

func configField(schema []effects.ConfigField, name string) *effects.ConfigField {
	for i := range schema {
		if schema[i].Name == name {
			return &schema[i]
		}
	}
	return nil
}

func unknownConfigAttr(p configBlock, a *hcl.Attribute, schema []effects.ConfigField) *hcl.Diagnostic {
	detail := fmt.Sprintf("%s %q takes no configuration: remove %s.", p.what, p.name, a.Name)
	if len(schema) > 0 {
		names := make([]string, len(schema))
		accepted := make([]string, len(schema))
		for i, f := range schema {
			names[i] = f.Name
			accepted[i] = f.Name + " (" + f.Kind.String()
			if f.Required {
				accepted[i] += ", required"
			}
			accepted[i] += ")"
		}
		detail = fmt.Sprintf("%s %q has no config setting %q.%s It accepts %s.", p.what, p.name, a.Name, didYouMean(a.Name, names), joinList(accepted, "and"))
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unsupported config argument",
		Detail:   detail,
		Subject:  a.NameRange.Ptr(),
	}
}

// kindPhrase names what a field of kind k takes, for people.
func kindPhrase(k effects.Kind) string {
	switch k {
	case effects.KindString:
		return "a string"
	case effects.KindInt:
		return "a whole number"
	case effects.KindUint:
		return "a whole number, 0 or more"
	case effects.KindBool:
		return "true or false"
	case effects.KindBytes:
		return "bytes written as a string of hex digits"
	case effects.KindList:
		return "a list"
	case effects.KindMap:
		return "an object"
	case effects.KindNull:
		return "null"
	}
	return "a value"
}

// kindExample is a valid HCL value of kind k.
func kindExample(k effects.Kind) string {
	switch k {
	case effects.KindString:
		return `"text"`
	case effects.KindInt, effects.KindUint:
		return "42"
	case effects.KindBool:
		return "true"
	case effects.KindBytes:
		return `"00ff"`
	case effects.KindList:
		return `["a", "b"]`
	case effects.KindMap:
		return `{ key = "value" }`
	}
	return `"text"`
}

// toValue converts an HCL value to a Value of kind k. problem is "" on
// success, else a lower-case phrase saying what is wrong.
func toValue(v cty.Value, k effects.Kind) (val effects.Value, problem string) {
	if k == effects.KindAny {
		return anyValue(v, "")
	}
	if v.IsNull() {
		if k == effects.KindNull {
			return effects.Null(), ""
		}
		return effects.Value{}, "got null"
	}
	t := v.Type()
	switch k {
	case effects.KindString:
		if t == cty.String {
			return effects.String(v.AsString()), ""
		}
	case effects.KindInt:
		if t == cty.Number {
			n, ok := wholeInt(v.AsBigFloat())
			if !ok {
				return effects.Value{}, numberProblem(v, "from -9223372036854775808 to 9223372036854775807")
			}
			return effects.Int(n), ""
		}
	case effects.KindUint:
		if t == cty.Number {
			n, ok := wholeUint(v.AsBigFloat())
			if !ok {
				return effects.Value{}, numberProblem(v, "from 0 to 18446744073709551615")
			}
			return effects.Uint(n), ""
		}
	case effects.KindBool:
		if t == cty.Bool {
			return effects.Bool(v.True()), ""
		}
	case effects.KindBytes:
		if t == cty.String {
			b, err := decodeHex(v.AsString())
			if err != "" {
				return effects.Value{}, err
			}
			return effects.Bytes(b), ""
		}
	case effects.KindList:
		if t.IsTupleType() || t.IsListType() || t.IsSetType() {
			return anyValue(v, "")
		}
	case effects.KindMap:
		if t.IsObjectType() || t.IsMapType() {
			return anyValue(v, "")
		}
	}
	return effects.Value{}, "got " + describeValue(v)
}

// anyValue converts any HCL value; at names the position inside the
// attribute for problems ("[2]", ".limits").
func anyValue(v cty.Value, at string) (effects.Value, string) {
	if v.IsNull() {
		return effects.Null(), ""
	}
	t := v.Type()
	switch {
	case t == cty.String:
		return effects.String(v.AsString()), ""
	case t == cty.Bool:
		return effects.Bool(v.True()), ""
	case t == cty.Number:
		f := v.AsBigFloat()
		if n, ok := wholeInt(f); ok {
			return effects.Int(n), ""
		}
		if n, ok := wholeUint(f); ok {
			return effects.Uint(n), ""
		}
		p := numberProblem(v, "from -9223372036854775808 to 18446744073709551615")
		if at != "" {
			p = "at " + at + ", " + p
		}
		return effects.Value{}, p
	case t.IsTupleType() || t.IsListType() || t.IsSetType():
		items := make([]effects.Value, 0, v.LengthInt())
		for i, it := 0, v.ElementIterator(); it.Next(); i++ {
			_, e := it.Element()
			iv, p := anyValue(e, fmt.Sprintf("%s[%d]", at, i))
			if p != "" {
				return effects.Value{}, p
			}
			items = append(items, iv)
		}
		return effects.List(items...), ""
	case t.IsObjectType() || t.IsMapType():
		m := make(map[string]effects.Value, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			key := k.AsString()
			ev, p := anyValue(e, at+"."+key)
			if p != "" {
				return effects.Value{}, p
			}
			m[key] = ev
		}
		return effects.Map(m), ""
	}
	return effects.Value{}, "values of type " + t.FriendlyName() + " are not supported"
}

// numberProblem explains why a number is not a whole number in range.
func numberProblem(v cty.Value, rng string) string {
	f := v.AsBigFloat()
	if !f.IsInt() {
		return fmt.Sprintf("%s is not a whole number (config numbers are integers)", numberText(f))
	}
	return fmt.Sprintf("%s is out of range (%s)", numberText(f), rng)
}

// decodeHex decodes a bytes config value; problem is "" on success.
func decodeHex(s string) ([]byte, string) {
	if len(s)%2 != 0 {
		return nil, fmt.Sprintf("%q has an odd number of hex digits", s)
	}
	b := make([]byte, len(s)/2)
	for i := 0; i < len(s); i += 2 {
		hi, ok1 := hexDigit(s[i])
		lo, ok2 := hexDigit(s[i+1])
		if !ok1 || !ok2 {
			bad := i
			if ok1 {
				bad = i + 1
			}
			return nil, fmt.Sprintf("%q has a character that is not a hex digit at offset %d", s, bad)
		}
		b[i/2] = hi<<4 | lo
	}
	return b, ""
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
