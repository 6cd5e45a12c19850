package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStartOrder(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want [][]string
	}{
		{
			name: "no plugins",
			src:  ``,
			want: nil,
		},
		{
			name: "independent plugins form one level in declaration order",
			src: `plugin "b" { builtin = "crypto" }
plugin "a" { builtin = "clock" }`,
			want: [][]string{{"b", "a"}},
		},
		{
			name: "a chain is one plugin per level",
			src: `plugin "c" {
  builtin    = "crypto"
  depends_on = ["b"]
}
plugin "b" {
  builtin    = "clock"
  depends_on = ["a"]
}
plugin "a" { builtin = "random" }`,
			want: [][]string{{"a"}, {"b"}, {"c"}},
		},
		{
			name: "a diamond levels by the longest path",
			src: `plugin "top" {
  builtin    = "crypto"
  depends_on = ["left", "right", "base"]
}
plugin "left" {
  builtin    = "clock"
  depends_on = ["base"]
}
plugin "right" {
  builtin    = "random"
  depends_on = ["base"]
}
plugin "base" { builtin = "storage" }`,
			want: [][]string{{"base"}, {"left", "right"}, {"top"}},
		},
		{
			name: "services join the graph after their plugins",
			src: `plugin "journal" { builtin = "storage" }
plugin "recovery" {
  builtin    = "crypto"
  depends_on = ["journal"]
}
service "invitation" {
  plugin     = "recovery"
  depends_on = ["recovery"]
}
service "recovery" {}
service "audit" { plugin = "journal" }`,
			want: [][]string{{"journal"}, {"recovery", "audit"}, {"invitation"}},
		},
		{
			name: "a service named like its plugin is one node with both dependencies",
			src: `plugin "recovery" { builtin = "crypto" }
plugin "clock" { builtin = "clock" }
service "recovery" { depends_on = ["clock"] }`,
			want: [][]string{{"clock"}, {"recovery"}},
		},
		{
			name: "members of a cycle come last in one level",
			src: `plugin "a" {
  builtin    = "crypto"
  depends_on = ["b"]
}
plugin "b" {
  builtin    = "clock"
  depends_on = ["a"]
}
plugin "c" { builtin = "random" }
plugin "d" {
  builtin    = "storage"
  depends_on = ["a", "unknown"]
}`,
			want: [][]string{{"c"}, {"a", "b", "d"}},
		},
		{
			name: "the mode's overrides change the order",
			src: `plugin "clock" {
  builtin    = "clock"
  depends_on = ["random"]
}
plugin "random" { builtin = "random" }
simulation {
  plugin "clock" {
    builtin    = "clock"
    depends_on = []
  }
}`,
			want: [][]string{{"clock", "random"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mode := "production"
			if strings.Contains(tt.src, "simulation {") {
				mode = "simulation"
			}
			d, _ := Parse([]byte("deployment \"d\" { mode = \""+mode+"\" }\n"+tt.src+"\n"), "test.hcl", Options{Dir: "/deploy"})
			if diff := cmp.Diff(tt.want, d.StartOrder()); diff != "" {
				t.Errorf("StartOrder (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCycleInOverride checks that a cycle only an override creates is
// reported at the override's depends_on.
func TestCycleInOverride(t *testing.T) {
	src := `deployment "d" {}
plugin "a" {
  builtin    = "crypto"
  depends_on = ["b"]
}
plugin "b" { builtin = "clock" }
testing {
  plugin "b" {
    builtin    = "clock"
    depends_on = ["a"]
  }
}
`
	d, diags := Parse([]byte(src), "test.hcl", Options{Builtins: testBuiltins})
	if got := summaries(diags); len(got) != 1 || got[0] != "Dependency cycle@10:19" || !strings.Contains(diags[0].Detail, "a → b → a") {
		t.Fatalf("diagnostics:\n%s", render(d, diags))
	}
}

func TestDependencyMistakes(t *testing.T) {
	tests := []struct{ src, want, detail string }{
		{`plugin "a" {
  builtin    = "crypto"
  depends_on = "b"
}
plugin "b" { builtin = "clock" }`, "Incorrect attribute value type@4:16", `depends_on must be a list of strings, not a string`},
		{`plugin "a" {
  builtin    = "crypto"
  depends_on = [1]
}`, "Incorrect attribute value type@4:17", `depends_on[0] must be a string, not a number`},
		{`service "s" {
  plugin     = "a"
  depends_on = ["a", "s"]
}
plugin "a" { builtin = "crypto" }`, "Self dependency@4:22", `Service "s" lists itself in depends_on. A service cannot wait for itself`},
		{`plugin "a" {
  builtin    = "crypto"
  depends_on = ["s"]
}
service "s" { plugin = "a" }`, "Dependency cycle@4:17", `a → s → a: each waits for the next to start, so none of them can. (A service starts after the plugin that hosts it: service "s" runs on plugin "a".)`},
	}
	for _, tt := range tests {
		src := "deployment \"d\" {}\n" + tt.src + "\n"
		d, diags := Parse([]byte(src), "test.hcl", Options{Builtins: testBuiltins})
		if got := summaries(diags); len(got) != 1 || got[0] != tt.want || !strings.Contains(diags[0].Detail, tt.detail) {
			t.Errorf("got %v, want %s containing %q\n%s", got, tt.want, tt.detail, render(d, diags))
		}
	}
}
