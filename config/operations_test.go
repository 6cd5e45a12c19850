package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aurahost/aura-host/effects"
)

func TestCheckOperations(t *testing.T) {
	const src = `deployment "t" {}
plugin "a" { builtin = "crypto" }
plugin "b" { builtin = "crypto" }
plugin "c" { builtin = "crypto" }
`
	d := parseClean(t, src)
	ids := func(s ...string) []effects.OpID {
		out := make([]effects.OpID, len(s))
		for i, x := range s {
			out[i] = effects.OpID(x)
		}
		return out
	}
	tests := []struct {
		name    string
		ops     map[string][]effects.OpID
		diags   []string
		details []string // phrases, one per diagnostic
	}{
		{
			name: "disjoint",
			ops:  map[string][]effects.OpID{"a": ids("x.one"), "b": ids("x.two"), "c": nil},
		},
		{
			name:    "second claimant reported at its block, naming the first",
			ops:     map[string][]effects.OpID{"a": ids("x.one", "x.two"), "b": ids("x.two", "x.one", "y.three")},
			diags:   []string{"Operation served by two plugins@3:1"},
			details: []string{`Plugin "b" declares x.one and x.two, which plugin "a" (declared at line 2) already serves.`},
		},
		{
			name:    "third claimant names the first owner",
			ops:     map[string][]effects.OpID{"a": ids("x.one"), "b": ids("x.one"), "c": ids("x.one")},
			diags:   []string{"Operation served by two plugins@3:1", "Operation served by two plugins@4:1"},
			details: []string{`Plugin "b" declares x.one, which plugin "a"`, `Plugin "c" declares x.one, which plugin "a"`},
		},
		{
			name:    "one claimant overlapping two owners gets one diagnostic per owner",
			ops:     map[string][]effects.OpID{"a": ids("x.one"), "b": ids("x.two"), "c": ids("x.two", "x.one")},
			diags:   []string{"Operation served by two plugins@4:1", "Operation served by two plugins@4:1"},
			details: []string{`which plugin "b"`, `which plugin "a"`},
		},
		{
			name: "an op declared twice by one plugin is not a conflict here",
			ops:  map[string][]effects.OpID{"a": ids("x.one", "x.one")},
		},
		{
			name:    "a plugin not in the file is reported at the deployment block",
			ops:     map[string][]effects.OpID{"a": ids("x.one"), "zz": ids("x.one")},
			diags:   []string{"Operation served by two plugins@1:1"},
			details: []string{`Plugin "zz" declares x.one, which plugin "a" (declared at line 2) already serves.`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diags := CheckOperations(d, tt.ops)
			if diff := cmp.Diff(tt.diags, summaries(diags)); diff != "" && (len(tt.diags) > 0 || len(diags) > 0) {
				t.Fatalf("diagnostics (-want +got):\n%s", diff)
			}
			for i, phrase := range tt.details {
				if !strings.Contains(diags[i].Detail, phrase) {
					t.Errorf("diagnostic %d: %q does not contain %q", i, diags[i].Detail, phrase)
				}
			}
			checkSubjects(t, diags)
		})
	}
}
