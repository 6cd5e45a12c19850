package config

import (
	"slices"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// The pinning rule of production deployments (attack 6 of issue 11): an
// unpinned command plugin is an error unless its block opts in with
// allow_unpinned = true, which is decoded with its range and then only
// warned about; other modes accept unpinned commands.
func TestUnpinnedCommandNeedsAnOptInInProduction(t *testing.T) {
	for _, tt := range []struct {
		name, mode, plugin string
		want               []string // summaries@line:col
		errors             bool
	}{
		{"production, unpinned", "production", `command = "bin/p"`,
			[]string{"Plugin binary not pinned@3:13"}, true},
		{"production, allowed", "production", "command = \"bin/p\"\n  allow_unpinned = true",
			[]string{"Plugin binary not pinned@4:20"}, false},
		{"production, allowed = false", "production", "command = \"bin/p\"\n  allow_unpinned = false",
			[]string{"Plugin binary not pinned@3:13"}, true},
		{"production, pinned", "production", "command = \"bin/p\"\n  sha256 = \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"",
			nil, false},
		{"testing, unpinned", "testing", `command = "bin/p"`, nil, false},
		{"simulation, allowed", "simulation", "command = \"bin/p\"\n  allow_unpinned = true", nil, false},
		{"builtin, allowed", "production", "builtin = \"crypto\"\n  allow_unpinned = true",
			[]string{"allow_unpinned needs a command@4:20"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := "deployment \"d\" { mode = \"" + tt.mode + "\" }\nplugin \"p\" {\n  " + tt.plugin + "\n}\n"
			d, diags := Parse([]byte(src), "test.hcl", Options{Builtins: testBuiltins, Dir: "/deploy"})
			if got := summaries(diags); !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v\n%s", got, tt.want, render(d, diags))
			}
			if diags.HasErrors() != tt.errors {
				t.Fatalf("errors = %v, want %v", diags.HasErrors(), tt.errors)
			}
			if p := d.Plugin("p"); p != nil && tt.name == "production, allowed" {
				if !p.AllowUnpinned || pos(&p.AllowUnpinnedRange) != "4:20" {
					t.Errorf("AllowUnpinned %v at %s", p.AllowUnpinned, pos(&p.AllowUnpinnedRange))
				}
				if diags[0].Severity != hcl.DiagWarning {
					t.Errorf("an allowed unpinned plugin is not a warning")
				}
			}
		})
	}
}
