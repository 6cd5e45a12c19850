package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// PluginDiagnostic places a diagnostic that plugin p returned from
// Configure on the right line of the user's file. path is the attribute
// path the plugin gave: path[0] names an attribute of the config block;
// further elements step into object keys or list indexes ("0", "1", ...).
// The subject is the value at the deepest part of path found in the file;
// if the attribute is not written there (a default was used, or the path is
// empty) it is the config block, or the plugin block if there is none.
//
// The summary is kept as the plugin wrote it, with the plugin's name added
// so the message says who complained.
func PluginDiagnostic(p *Plugin, path []string, severity hcl.DiagnosticSeverity, summary, detail string) *hcl.Diagnostic {
	subject, found := locate(p, path)
	if len(path) > 0 && !found {
		at := "the config block"
		if p.ConfigRange == (hcl.Range{}) {
			at = "this plugin block"
		}
		note := fmt.Sprintf("(The plugin refers to config %s, which is not written in %s; its default applies.)", strings.Join(path, "."), at)
		if detail == "" {
			detail = note
		} else {
			detail += "\n\n" + note
		}
	}
	if summary == "" {
		summary = "Plugin rejected its configuration"
	}
	return &hcl.Diagnostic{
		Severity: severity,
		Summary:  fmt.Sprintf("%s (plugin %q)", summary, p.Name),
		Detail:   detail,
		Subject:  subject.Ptr(),
	}
}

// locate finds the range of path in p's config block. found reports
// whether at least the attribute itself was found.
func locate(p *Plugin, path []string) (hcl.Range, bool) {
	fallback := p.ConfigRange
	if fallback == (hcl.Range{}) {
		fallback = p.DeclRange
	}
	if len(path) == 0 || p.Config == nil {
		return fallback, false
	}
	attrs, _ := configAttributes(p.Config)
	a, ok := attrs[path[0]]
	if !ok {
		return fallback, false
	}
	expr := a.Expr
	for _, step := range path[1:] {
		next := child(expr, step)
		if next == nil {
			break
		}
		expr = next
	}
	return expr.Range(), true
}

// child steps from a literal object or list expression to the element
// named by step, or returns nil.
func child(expr hcl.Expression, step string) hcl.Expression {
	switch e := expr.(type) {
	case *hclsyntax.ObjectConsExpr:
		for _, item := range e.Items {
			k, diags := item.KeyExpr.Value(nil)
			if !diags.HasErrors() && k.IsKnown() && !k.IsNull() && k.Type() == cty.String && k.AsString() == step {
				return item.ValueExpr
			}
		}
	case *hclsyntax.TupleConsExpr:
		if i, err := strconv.Atoi(step); err == nil && i >= 0 && i < len(e.Exprs) {
			return e.Exprs[i]
		}
	}
	return nil
}
