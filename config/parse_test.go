package config

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
)

func TestParseFields(t *testing.T) {
	const sum = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	src := `deployment "demo" {
  mode      = "simulation"
  seed      = 42
  state_dir = "var/state"
  authority = "alice"
}

plugin "echo" {
  command = "bin/echo-plugin"
  args    = ["--flag", "x"]
  env     = { FOO = "bar", "A.B" = "" }
  sha256  = "` + sum + `"
}

plugin "abs" {
  command = "/opt/plugins/abs"
}

plugin "crypto" { builtin = "crypto" }
`
	d := parseClean(t, src)
	if d.Name != "demo" || d.Mode != effects.Simulation || d.Seed != 42 || d.Authority != "alice" {
		t.Errorf("deployment = %q %q %d %q", d.Name, d.Mode, d.Seed, d.Authority)
	}
	if d.StateDir != "/deploy/var/state" || d.Dir != "/deploy" {
		t.Errorf("state dir %q, dir %q", d.StateDir, d.Dir)
	}
	if pos(&d.DeclRange) != "1:1" || pos(&d.NameRange) != "1:12" || pos(&d.SeedRange) != "3:15" {
		t.Errorf("ranges: decl %s name %s seed %s", pos(&d.DeclRange), pos(&d.NameRange), pos(&d.SeedRange))
	}
	if len(d.Plugins) != 3 {
		t.Fatalf("%d plugins", len(d.Plugins))
	}
	echo := d.Plugin("echo")
	want, _ := hex.DecodeString(sum)
	if echo.Command != "/deploy/bin/echo-plugin" || echo.Builtin != "" {
		t.Errorf("command %q builtin %q", echo.Command, echo.Builtin)
	}
	if diff := cmp.Diff([]string{"--flag", "x"}, echo.Args); diff != "" {
		t.Errorf("args: %s", diff)
	}
	if diff := cmp.Diff(map[string]string{"FOO": "bar", "A.B": ""}, echo.Env); diff != "" {
		t.Errorf("env: %s", diff)
	}
	if diff := cmp.Diff(want, echo.SHA256); diff != "" {
		t.Errorf("sha256: %s", diff)
	}
	if pos(&echo.NameRange) != "8:8" || pos(&echo.CommandRange) != "9:13" || pos(&echo.SHA256Range) != "12:13" || echo.ConfigRange != (hcl.Range{}) {
		t.Errorf("plugin ranges: name %s command %s sha %s config %v", pos(&echo.NameRange), pos(&echo.CommandRange), pos(&echo.SHA256Range), echo.ConfigRange)
	}
	if attrs, _ := echo.Config.JustAttributes(); len(attrs) != 0 {
		t.Errorf("absent config block is not an empty body")
	}
	if abs := d.Plugin("abs"); abs.Command != "/opt/plugins/abs" || abs.Env != nil || abs.SHA256 != nil || abs.Args != nil {
		t.Errorf("abs plugin: %+v", abs)
	}
	if c := d.Plugin("crypto"); c.Builtin != "crypto" || c.Command != "" {
		t.Errorf("crypto plugin: %+v", c)
	}
	if d.Plugin("nope") != nil {
		t.Error("Plugin found an undeclared name")
	}
}

func TestParseDefaults(t *testing.T) {
	d := parseClean(t, "deployment \"demo\" {}\n")
	if d.Mode != effects.Production || d.Seed != 0 || d.SeedRange != (hcl.Range{}) || d.Authority != "" {
		t.Errorf("defaults: mode %q seed %d authority %q", d.Mode, d.Seed, d.Authority)
	}
	if d.StateDir != "/deploy/.aura/demo" {
		t.Errorf("default state dir %q", d.StateDir)
	}
}

func TestCommandPaths(t *testing.T) {
	tests := []struct {
		filename, dir, command, want string
	}{
		{"/etc/aura/deployment.hcl", "", "./bin/p", "/etc/aura/bin/p"},
		{"/etc/aura/deployment.hcl", "", "../p", "/etc/p"},
		{"/etc/aura/deployment.hcl", "/elsewhere", "p", "/elsewhere/p"},
		{"deployment.hcl", "", "p", "./p"}, // never a bare name that exec would look up in $PATH
		{"deployment.hcl", "", "bin/p", "bin/p"},
		{"conf/deployment.hcl", "", "p", "conf/p"},
		{"conf/deployment.hcl", "", "/usr/bin/p", "/usr/bin/p"},
	}
	for _, tt := range tests {
		src := "deployment \"d\" { mode = \"testing\" }\nplugin \"p\" { command = \"" + tt.command + "\" }\n"
		d, diags := Parse([]byte(src), tt.filename, Options{Dir: tt.dir})
		if len(diags) != 0 {
			t.Fatalf("%s: %s", tt.command, render(d, diags))
		}
		if got := d.Plugins[0].Command; got != tt.want {
			t.Errorf("file %s dir %q command %q: got %q, want %q", tt.filename, tt.dir, tt.command, got, tt.want)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "deployment.hcl")
	src := "deployment \"demo\" { mode = \"testing\" }\nplugin \"p\" { command = \"bin/p\" }\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	d, diags := Load(path, Options{})
	if len(diags) != 0 {
		t.Fatal(render(d, diags))
	}
	if d.Plugins[0].Command != filepath.Join(dir, "bin", "p") || d.StateDir != filepath.Join(dir, ".aura", "demo") {
		t.Errorf("command %q state %q", d.Plugins[0].Command, d.StateDir)
	}
	if d.Files[path] == nil {
		t.Errorf("Files has no entry for %s", path)
	}

	// A relative path is resolved against the file's directory made absolute.
	t.Chdir(dir)
	d, diags = Load("deployment.hcl", Options{})
	if len(diags) != 0 || d.Plugins[0].Command != filepath.Join(dir, "bin", "p") {
		t.Errorf("relative load: command %q, %v", d.Plugins[0].Command, diags)
	}
}

func TestLoadMissingFile(t *testing.T) {
	d, diags := Load("/nonexistent/deployment.hcl", Options{})
	if d == nil || d.Files == nil {
		t.Fatal("Load returned no Deployment to print diagnostics with")
	}
	if len(diags) != 1 || diags[0].Summary != "Cannot read deployment file" || !strings.Contains(diags[0].Detail, "no such file or directory") {
		t.Fatalf("diagnostics: %v", diags)
	}
	if diags[0].Subject == nil || diags[0].Subject.Filename != "/nonexistent/deployment.hcl" {
		t.Errorf("subject %v", diags[0].Subject)
	}
	out := render(d, diags)
	if !strings.Contains(out, "on /nonexistent/deployment.hcl:1:1:\n  (source code not available)") {
		t.Errorf("printed:\n%s", out)
	}
}

func TestBuiltinsOption(t *testing.T) {
	src := []byte("deployment \"d\" {}\nplugin \"p\" { builtin = \"sim-clock\" }\n")
	if _, diags := Parse(src, "", Options{}); len(diags) != 0 {
		t.Errorf("nil Builtins should accept any well-formed name: %v", diags)
	}
	bad := []byte("deployment \"d\" {}\nplugin \"p\" { builtin = \"Sim Clock\" }\n")
	if _, diags := Parse(bad, "", Options{}); !diags.HasErrors() {
		t.Error("a malformed built-in name passed with nil Builtins")
	}
	_, diags := Parse(src, "", Options{Builtins: []string{}})
	if len(diags) != 1 || !strings.Contains(diags[0].Detail, "This aura-host serves no built-in plugins.") {
		t.Errorf("empty Builtins: %v", diags)
	}
	if diags[0].Subject.Filename != defaultFilename {
		t.Errorf("unnamed source reported in %q", diags[0].Subject.Filename)
	}
}

func TestDiagnosticsInFileOrder(t *testing.T) {
	src := []byte(`plugin "B" { builtin = "x" }
deployment "d" { mode = "m" }
plugin "c" {
  zzz = 1
  aaa = 2
}
`)
	_, diags := Parse(src, "t.hcl", Options{Builtins: testBuiltins})
	var last hcl.Pos
	for _, d := range diags {
		if d.Subject.Start.Byte < last.Byte {
			t.Errorf("%s at %s comes after an earlier position", d.Summary, pos(d.Subject))
		}
		last = d.Subject.Start
	}
	if len(diags) < 5 {
		t.Errorf("want every mistake collected, got %v", summaries(diags))
	}
}

func TestTooManyProblemsAreCapped(t *testing.T) {
	src := []byte("deployment \"d\" {}\n" + strings.Repeat("\v", 500))
	d, diags := Parse(src, "t.hcl", Options{})
	if len(diags) != maxDiagnostics+1 {
		t.Fatalf("%d diagnostics, want %d", len(diags), maxDiagnostics+1)
	}
	last := diags[len(diags)-1]
	if last.Summary != "Too many problems" || !strings.Contains(last.Detail, "more problems follow") || last.Subject == nil {
		t.Errorf("last diagnostic: %s: %s", last.Summary, last.Detail)
	}
	_ = render(d, diags)
}

func TestNumberLiteralLimits(t *testing.T) {
	for lit, ok := range map[string]bool{
		"7": true, "1e1000": true, "1.5e-1000": true, "1E+999": true,
		"1e1001": false, "1e-1001": false, "1e99999999999999999999": false,
		strings.Repeat("9", maxNumberScale): true, strings.Repeat("9", maxNumberScale+1): false,
	} {
		if got := numberInScale([]byte(lit)); got != ok {
			t.Errorf("numberInScale(%.30s) = %v, want %v", lit, got, ok)
		}
	}
}

func TestEnvMistakes(t *testing.T) {
	tests := []struct{ env, want, detail string }{
		{`{ PLUGIN_PROTOCOL_VERSIONS = "9" }`, "Invalid environment variable@3:11", "reserved"},
		{`{ "A=B" = "x" }`, "Invalid environment variable@3:11", `no "="`},
		{`{ "" = "x" }`, "Invalid environment variable@3:11", "cannot be empty"},
		{`{ A = "x", A = "y" }`, "Duplicate key@3:20", "sets \"A\" twice; the first is at line 3"},
		{`"A=x"`, "Incorrect attribute value type@3:9", "env must be a map of strings, not a string"},
		{`{ (1) = "x" }`, "Incorrect attribute value type@3:11", "env key must be a string, not a number"},
	}
	for _, tt := range tests {
		src := "deployment \"d\" { mode = \"testing\" }\nplugin \"p\" {\n  env = " + tt.env + "\n  command = \"/bin/p\"\n}\n"
		_, diags := Parse([]byte(src), "test.hcl", Options{})
		if got := summaries(diags); len(got) != 1 || got[0] != tt.want || !strings.Contains(diags[0].Detail, tt.detail) {
			t.Errorf("env = %s: got %v %v, want %s containing %q", tt.env, got, diags, tt.want, tt.detail)
		}
	}
}
