package archtest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The checker must be able to fail: these run the real table over made-up
// packages that break it.

func pkg(path string, imports, testImports []string) Package {
	abs := func(list []string) []string {
		var out []string
		for _, p := range list {
			if isProjectName(p) {
				p = Module + "/" + p
			}
			out = append(out, p)
		}
		return out
	}
	return Package{Path: Module + "/" + path, Imports: abs(imports), TestImports: abs(testImports)}
}

// isProjectName tells a made-up project path ("host/x") from a standard one.
func isProjectName(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return slices.Contains([]string{"effects", "sdk", "config", "vm", "host", "plugins", "cmd", "simtest", "examples", "internal"}, first)
}

func TestCheckFailsOnViolations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pkg  Package
		want string // a substring of the one violation expected
	}{
		{"plugin imports another plugin",
			pkg("plugins/storage", []string{"sdk", "plugins/crypto"}, nil), "plugins/storage imports plugins/crypto"},
		{"plugin test imports another plugin",
			pkg("plugins/journal", []string{"sdk"}, []string{"plugins/random"}), "plugins/journal imports plugins/random (in a test file)"},
		{"a new plugin imports another plugin",
			pkg("plugins/newthing", []string{"plugins/transport"}, nil), "plugins/newthing imports plugins/transport"},
		{"stand-in imports the plugin it stands in for",
			pkg("plugins/simclock", []string{"plugins/internal/clockops", "plugins/clock"}, nil), "plugins/simclock imports plugins/clock"},
		{"plugin imports the host",
			pkg("plugins/storage", []string{"host"}, nil), "plugins/storage imports host"},
		{"non-sdk package imports generated code",
			pkg("host", []string{"sdk/internal/proto/aura/plugin/v1"}, nil), "host imports sdk/internal/proto/aura/plugin/v1"},
		{"sdk helper imports generated code",
			pkg("sdk/sdktest", []string{"sdk/internal/proto/aura/plugin/v1"}, nil), "sdk/sdktest imports sdk/internal/proto"},
		{"plugin test imports generated code",
			pkg("plugins/clock", nil, []string{"sdk/internal/proto/aura/plugin/v1"}), "plugins/clock imports sdk/internal/proto/aura/plugin/v1 (in a test file)"},
		{"the simulation driver imports the scenarios built on it",
			pkg("host/sim", []string{"host/sim/swarm", "host/sim/scenario"}, nil), "host/sim imports host/sim/scenario"},
		{"a driver test imports the scenarios",
			pkg("host/sim", nil, []string{"host/sim/scenario"}), "host/sim imports host/sim/scenario (in a test file)"},
		{"VM imports os/signal", pkg("vm", []string{"os/signal"}, nil), "vm imports os/signal: standard package off the allow-list"},
		{"VM sub-package imports io/fs", pkg("vm/syntax", []string{"io/fs"}, nil), "vm/syntax imports io/fs"},
		{"VM imports unsafe", pkg("vm/internal/compile", []string{"unsafe"}, nil), "vm/internal/compile imports unsafe"},
		{"VM imports reflect", pkg("vm/trace", []string{"reflect"}, nil), "vm/trace imports reflect"},
		{"VM imports time", pkg("vm", []string{"time"}, nil), "vm imports time"},
		{"VM uses cgo", pkg("vm", []string{"C"}, nil), "vm imports C"},
		{"VM imports the host", pkg("vm", []string{"host"}, nil), "vm imports host"},
		{"VM front end imports the machine", pkg("vm/syntax", []string{"vm"}, nil), "vm/syntax imports vm"},
		{"host imports the agent runtime built on it", pkg("host", []string{"host/agent"}, nil), "host imports host/agent"},
		{"the system family imports the agent runtime that registers it", pkg("host/agent/system", []string{"host/agent"}, nil), "host/agent/system imports host/agent"},
		{"a builtin service imports the agent runtime that hosts it", pkg("host/agent/builtin", []string{"host/agent"}, nil), "host/agent/builtin imports host/agent"},
		{"supervision imports the host", pkg("host/supervise", []string{"host"}, nil), "host/supervise imports host"},
		{"admin imports the agent runtime", pkg("host/admin", []string{"host/agent"}, nil), "host/admin imports host/agent"},
		{"guard imports the SDK", pkg("host/guard", []string{"sdk"}, nil), "host/guard imports sdk"},
		{"tasks imports the host", pkg("host/tasks", []string{"host"}, nil), "host/tasks imports host"},
		{"vclock imports the vocabulary", pkg("internal/vclock", []string{"effects"}, nil), "internal/vclock imports effects"},
		{"the vocabulary imports the SDK", pkg("effects", []string{"sdk"}, nil), "effects imports sdk"},
		{"a third-party plugin imports effects", pkg("examples/third-party-plugin", []string{"effects"}, nil), "examples/third-party-plugin imports effects"},
		{"a package no rule covers", pkg("newtop", nil, nil), "newtop imports : no rule covers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Check([]Package{tt.pkg}, Rules)
			if len(got) != 1 || !strings.Contains(got[0].String(), tt.want) {
				t.Errorf("Check = %v, want one violation containing %q", got, tt.want)
			}
		})
	}
}

func TestCheckPassesAllowedImports(t *testing.T) {
	t.Parallel()
	pkgs := []Package{
		pkg("plugins/storage", []string{"sdk", "effects", "plugins/internal/boltfile", "go.etcd.io/bbolt", "os"},
			[]string{"sdk/sdktest", "plugins/internal/plugintest"}),
		pkg("plugins/simstorage", []string{"plugins/internal/storageops", "plugins/internal/standin"}, nil),
		pkg("plugins", []string{"plugins/storage", "plugins/simclock"}, []string{"plugins"}),
		pkg("sdk", []string{"effects", "sdk/internal/proto/aura/plugin/v1", "google.golang.org/grpc"}, []string{"sdk/internal/proto/aura/plugin/v1"}),
		pkg("vm/syntax", []string{"vm/policy", "effects", "strings", "encoding/json", "github.com/hashicorp/hcl/v2"}, []string{"os", "testing"}),
		pkg("host/tasks", []string{"effects", "internal/vclock", "time"}, nil),
		pkg("host/supervise", []string{"effects", "sdk", "config", "os/exec"}, []string{"plugins/clock"}),
		pkg("cmd/aura-host", []string{"host/agent", "plugins", "vm/trace"}, nil),
		pkg("host/agent/system", []string{"host", "host/guard", "host/health", "effects", "vm/policy"}, []string{"host/agent", "plugins", "host/internal/hosttest"}),
	}
	if got := Check(pkgs, Rules); len(got) != 0 {
		t.Errorf("Check = %v, want none", got)
	}
}

func TestUnusedExceptions(t *testing.T) {
	t.Parallel()
	rules := []Rule{
		{Pkg: "plugins/...", May: pluginMay},
		{Pkg: "plugins/simclock", Except: []string{"plugins/clock"}},
		{Pkg: "plugins/simrandom", Except: []string{"plugins/random"}},
	}
	pkgs := []Package{
		pkg("plugins/simclock", []string{"plugins/clock"}, nil),
		pkg("plugins/simrandom", []string{"sdk"}, nil),
	}
	got := UnusedExceptions(pkgs, rules)
	if len(got) != 1 || !strings.Contains(got[0], "plugins/simrandom no longer imports plugins/random") {
		t.Errorf("UnusedExceptions = %v, want the one for plugins/simrandom", got)
	}
	if v := Check(pkgs, rules); len(v) != 0 {
		t.Errorf("Check = %v, want none", v)
	}
}

func TestRuleFor(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{
		"plugins":                           "plugins",
		"plugins/clock":                     "plugins/...",
		"plugins/simclock":                  "plugins/...",
		"plugins/internal/standin":          "plugins/internal/...",
		"host":                              "host",
		"host/sim":                          "host/sim",
		"host/sim/scenario":                 "host/sim/scenario",
		"host/sim/swarm":                    "host/sim/swarm",
		"host/guard/x":                      "host/guard/...",
		"vm/internal/compile":               "vm/internal/compile",
		"vm/internal/other":                 "vm/...",
		"sdk/internal/proto/aura/plugin/v1": "sdk/internal/proto/...",
		"sdk/sdktest":                       "sdk/...",
	} {
		if r, ok := RuleFor(Rules, path); !ok || r.Pkg != want {
			t.Errorf("RuleFor(%q) = %q, want %q", path, r.Pkg, want)
		}
	}
	if _, ok := RuleFor(Rules, "hostile"); ok {
		t.Error(`RuleFor("hostile") found a rule: patterns must match whole path elements`)
	}
}

// Only consumers of the runtime may import host, and the table says which.
func TestOnlyConsumersImportHost(t *testing.T) {
	t.Parallel()
	for _, who := range Importers(Rules, "host") {
		for _, block := range []string{"effects", "sdk", "config", "vm", "plugins", "internal/vclock", "examples/third-party-plugin"} {
			if match(who, block) || strings.HasPrefix(who, block+"/") {
				t.Errorf("rule %q lets %s import host", who, block)
			}
		}
	}
}

func TestTimeNowCalls(t *testing.T) {
	t.Parallel()
	src := "package p\nimport clock \"time\"\nvar x = clock.Now()\nvar d = clock.Second\n"
	path := filepath.Join(t.TempDir(), "p.go")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := timeNowCalls(t, path); len(got) != 1 {
		t.Fatalf("timeNowCalls found %v, want one use of time.Now", got)
	}
}
