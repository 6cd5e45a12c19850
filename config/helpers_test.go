package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// parseClean parses src and fails the test on any diagnostic.
func parseClean(t *testing.T, src string) *Deployment {
	t.Helper()
	d, diags := Parse([]byte(src), "test.hcl", Options{Builtins: testBuiltins, Dir: "/deploy"})
	if len(diags) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", render(d, diags))
	}
	return d
}

// render prints diags as WriteDiagnostics does, for failure messages.
func render(d *Deployment, diags hcl.Diagnostics) string {
	var b strings.Builder
	_ = WriteDiagnostics(&b, d.Files, diags, false)
	return b.String()
}

// pos renders a range's start as "line:col".
func pos(r *hcl.Range) string {
	if r == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%d:%d", r.Start.Line, r.Start.Column)
}

// summaries lists each diagnostic as "Summary@line:col".
func summaries(diags hcl.Diagnostics) []string {
	out := make([]string, len(diags))
	for i, d := range diags {
		out[i] = d.Summary + "@" + pos(d.Subject)
	}
	return out
}

// rangeAt is a one-character range at the start of line in test.hcl.
func rangeAt(line int) hcl.Range {
	return hcl.Range{Filename: "test.hcl", Start: hcl.Pos{Line: line, Column: 1}, End: hcl.Pos{Line: line, Column: 2}}
}
