package supervise

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// TestSplitDiagnostics: the diagnostics of a *DiagnosticsError, alone,
// wrapped or joined, apart from what else was joined with them.
func TestSplitDiagnostics(t *testing.T) {
	t.Parallel()
	de := &DiagnosticsError{Diagnostics: hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "bad"}}}
	other := errors.New("plugin crashed")
	for _, c := range []struct {
		name     string
		err      error
		ok       bool
		wantRest string
	}{
		{"none", other, false, ""},
		{"alone", de, true, ""},
		{"wrapped", fmt.Errorf("start: %w", de), true, ""},
		{"joined", errors.Join(other, de, errors.New("and more")), true, "plugin crashed\nand more"},
		{"joined, only diagnostics", errors.Join(de), true, ""},
	} {
		diags, rest, ok := SplitDiagnostics(c.err)
		if ok != c.ok {
			t.Errorf("%s: ok = %v", c.name, ok)
			continue
		}
		if ok && (len(diags) != 1 || diags[0].Summary != "bad") {
			t.Errorf("%s: diagnostics %v", c.name, diags)
		}
		got := ""
		if rest != nil {
			got = rest.Error()
		}
		if got != c.wantRest {
			t.Errorf("%s: rest %q, want %q", c.name, got, c.wantRest)
		}
	}
}
