package config

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
)

// FuzzParse feeds arbitrary bytes through everything a deployment file
// reaches: Parse, DecodePluginConfig, PluginDiagnostic, CheckOperations,
// WithMode, EffectivePlugins, Override, StartOrder and WriteDiagnostics. None may panic, Parse must return a Deployment, and
// every error must have a subject in the file. The seed corpus (every
// golden input plus the inline seeds) runs as part of go test; explore
// with go test -fuzz FuzzParse ./config.
func FuzzParse(f *testing.F) {
	paths, err := filepath.Glob("testdata/*.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range paths {
		input, _ := readGolden(f, path)
		f.Add(input)
	}
	for _, seed := range []string{
		"",
		"\x00",
		"\xff\xfe",
		"{",
		"deployment",
		`deployment "" {}`,
		`deployment "a" "b" {}`,
		`deployment "d" { seed = 1e400 }`,
		`deployment "d" { seed = 1e99999999 }`,
		`deployment "d" {} plugin "p" { command = "x" config { a = {for k in [1e999]: k => 1} } }`,
		`deployment "d" { seed = 0.5 }`,
		`deployment "d" { mode = "${"testing"}" }`,
		`deployment "d" { mode = upper("testing") }`,
		`deployment "d" { state_dir = "a\u0000b" }`,
		`deployment "d" {} plugin "p" { command = [for x in ["a"]: x] }`,
		`deployment "d" {} plugin "p" { builtin = "crypto" config { a = [for x in [1, 2]: x * 0.5] } }`,
		`deployment "d" {} plugin "p" { command = "x" env = { (1) = "a" } }`,
		`deployment "d" {} plugin "p" { command = "x" env = { "PLUGIN_X" = "a" } args = ["a\u0000"] }`,
		`deployment "d" {} plugin "p" { command = "x" config { a = { b = [1, { c = -9999999999999999999999 }] } } }`,
		`deployment "d" {} plugin "p" { command = "x" config { a = true ? 1 : 2.5 } }`,
		"deployment \"d\" {}\nplugin \"p\" {\n  command = <<EOT\nx\nEOT\n}\n",
		`deployment "d" {} plugin "a" { builtin = "crypto" depends_on = ["b"] } plugin "b" { builtin = "clock" depends_on = ["a", "a", "b"] }`,
		`deployment "d" {} plugin "a" { builtin = "crypto" depends_on = [for x in ["a"]: x] start = null stop_timeout = "1e400s" }`,
		`deployment "d" {} plugin "a" { builtin = "crypto" health { interval = "9223372036854775807ns" timeout = 1e1000 grace = "-0s" } }`,
		`deployment "d" {} plugin "a" { builtin = "crypto" restart { attempts = 9223372036854775808 mode = "" } call { breaker_threshold = -2 } }`,
		`deployment "d" {} plugin "a" { builtin = "crypto" } service "a" { depends_on = ["s"] } service "s" { plugin = "a" }`,
		`deployment "d" {} service "" {} service "s" { plugin = null }`,
		`deployment "d" {} agent "a" { allow = ["*", ".*", "a.*.*", "é.x"] flow_budget { limit = -1 } flow_budget {} }`,
		`deployment "d" {} agent "a" {} agent "b" { authority = "a" } agent "c" { authority = "authority-" }`,
		`deployment "d" { mode = "simulation" } simulation { seed = 1 plugin "x" {} simulation {} } testing { plugin "x" { builtin = "crypto" } }`,
		`deployment "d" {} plugin "p" { builtin = "crypto" } simulation { plugin "p" { builtin = "crypto" depends_on = ["p"] } }`,
		`deployment "d" {} fault "" {} fault "drop" { rate = 1e-1000 at = "0" } fault "delay" { at = "0s" min = "2s" max = "1s" }`,
		`deployment "d" {} agent "a" {} fault "partition" { at = "0s" between = ["a", "a", 1] } fault "crash" { at = "0s" agent = ["a"] }`,
		`deployment "d" {} run "r" { protocol = "" roles = { "A[" = "x", "A[01]" = "y", "A[*]" = "z", "" = "w" } timeout = "0s" }`,
		`deployment "d" {} run "r" { protocol = "p.hcl" roles = "A" name = "" }`,
	} {
		f.Add([]byte(seed))
	}
	schema := []effects.ConfigField{
		{Name: "a", Kind: effects.KindAny},
		{Name: "path", Kind: effects.KindString, Required: true},
		{Name: "n", Kind: effects.KindInt},
		{Name: "u", Kind: effects.KindUint, Default: effects.Uint(1)},
		{Name: "key", Kind: effects.KindBytes},
		{Name: "tags", Kind: effects.KindList},
		{Name: "m", Kind: effects.KindMap},
		{Name: "b", Kind: effects.KindBool},
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		d, diags := Parse(src, "fuzz.hcl", Options{Builtins: testBuiltins})
		if d == nil {
			t.Fatal("Parse returned a nil Deployment")
		}
		checkSubjects(t, diags)
		ops := make(map[string][]effects.OpID)
		for _, p := range d.Plugins {
			v, cdiags := DecodePluginConfig(p, schema)
			if v.Kind() != effects.KindMap {
				t.Fatalf("config of %q decoded to %s", p.Name, v.Kind())
			}
			checkSubjects(t, cdiags)
			diags = append(diags, cdiags...)
			for _, path := range [][]string{nil, {"a"}, {"a", "0"}, {"m", "k", "1"}, {"missing"}} {
				pd := PluginDiagnostic(p, path, hcl.DiagError, "s", "d")
				if pd.Subject == nil {
					t.Fatalf("PluginDiagnostic for %v has no subject", path)
				}
			}
			ops[p.Name] = []effects.OpID{"x.shared"}
		}
		if d.DeclRange != (hcl.Range{}) {
			odiags := CheckOperations(d, ops)
			checkSubjects(t, odiags)
			diags = append(diags, odiags...)
		}
		for _, m := range []effects.Mode{d.Mode, effects.Production, effects.Testing, effects.Simulation} {
			md := d.WithMode(m)
			placed := make(map[string]bool)
			for _, level := range md.StartOrder() {
				for _, name := range level {
					if placed[name] {
						t.Fatalf("StartOrder places %q twice", name)
					}
					placed[name] = true
				}
			}
			eff := md.EffectivePlugins()
			if len(eff) != len(d.Plugins) {
				t.Fatalf("%d effective plugins, %d declared", len(eff), len(d.Plugins))
			}
			for _, p := range eff {
				_ = md.Override(p.Name)
			}
			for _, p := range d.Plugins {
				if !placed[p.Name] {
					t.Fatalf("StartOrder leaves out plugin %q", p.Name)
				}
			}
			for _, s := range d.Services {
				if !placed[s.Name] {
					t.Fatalf("StartOrder leaves out service %q", s.Name)
				}
			}
		}
		if err := WriteDiagnostics(io.Discard, d.Files, diags, false); err != nil {
			t.Fatal(err)
		}
		if err := WriteDiagnostics(io.Discard, d.Files, diags, true); err != nil {
			t.Fatal(err)
		}
	})
}
