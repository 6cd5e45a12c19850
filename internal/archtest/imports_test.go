package archtest

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/aurahost/aura-host"

// rules maps a package path prefix (relative to the module) to the project
// packages it may import, as prefixes. The longest matching prefix wins.
var rules = map[string][]string{
	"effects":                     {},
	"effects/facade":              {"effects"}, // typed clients over the vocabulary
	"sdk":                         {"sdk", "effects"},
	"config":                      {"effects"},
	"vm":                          {"vm", "effects"},
	"host":                        {"host", "effects", "sdk", "config", "vm"},
	"plugins":                     {"plugins", "sdk", "effects", "internal/vclock"},
	"cmd/aura-host":               {"host", "config", "vm", "plugins", "effects", "sdk"},
	"examples/third-party-plugin": {"sdk"},
	// An embedding program is a consumer of the runtime, like the CLI.
	"examples/embed": {"host", "plugins", "effects", "sdk"},
	// The Go test API for simulations, a consumer of the runtime too.
	"simtest": {"host", "plugins", "config", "vm", "effects", "sdk"},
	// The guard chain and task supervision are pure building blocks of
	// the host: they see only the vocabulary.
	"host/guard":        {"effects"},
	"host/tasks":        {"effects", "internal/vclock"},
	"examples":          {"sdk", "effects"},
	"internal/archtest": {},
	"internal/vclock":   {}, // the virtual clock of host/tasks and sim-clock
}

// vmForbidden are standard packages the VM must not import: time and
// randomness are effects, and the VM does no I/O.
var vmForbidden = []string{"os", "os/exec", "net", "net/http", "math/rand", "math/rand/v2", "syscall", "crypto/rand"}

type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, errOut.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(&out)
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages; is the test run inside the module?", len(pkgs))
	}
	return pkgs
}

func rel(path string) string {
	return strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
}

func under(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

func ruleFor(path string) (string, []string, bool) {
	best := ""
	for prefix := range rules {
		if under(path, prefix) && len(prefix) > len(best) {
			best = prefix
		}
	}
	allowed, ok := rules[best]
	return best, allowed, ok
}

// TestImportRules fails on any import of a project package that the
// package's layer may not use (production code; tests may import more).
func TestImportRules(t *testing.T) {
	for _, p := range listPackages(t) {
		from := rel(p.ImportPath)
		layer, allowed, ok := ruleFor(from)
		if !ok {
			t.Errorf("package %s belongs to no layer of ARCHITECTURE.md; add a rule", from)
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			to := rel(imp)
			permitted := false
			for _, a := range allowed {
				if under(to, a) {
					permitted = true
				}
			}
			if !permitted {
				t.Errorf("%s imports %s: the %s layer may import only %v", from, to, layer, allowed)
			}
			if under(to, "host") && !under(from, "host") && !under(from, "cmd/aura-host") && !under(from, "examples/embed") && !under(from, "simtest") {
				t.Errorf("%s imports host: only its consumers (cmd/aura-host, examples/embed, simtest) may", from)
			}
		}
	}
}

// TestVMDoesNotTouchTheOS keeps OS access, wall-clock time and ambient
// randomness out of the VM: they must come through its host boundary.
func TestVMDoesNotTouchTheOS(t *testing.T) {
	checked := 0
	for _, p := range listPackages(t) {
		if !under(rel(p.ImportPath), "vm") {
			continue
		}
		for _, imp := range p.Imports {
			for _, bad := range vmForbidden {
				if imp == bad {
					t.Errorf("%s imports %s", rel(p.ImportPath), imp)
				}
			}
		}
		for _, f := range p.GoFiles {
			checked++
			for _, pos := range timeNowCalls(t, filepath.Join(p.Dir, f)) {
				t.Errorf("%s calls time.Now (or time.Since/Until): time is an effect in the VM", pos)
			}
		}
	}
	if checked == 0 {
		t.Skip("no vm package yet")
	}
}

// timeNowCalls finds uses of time.Now, time.Since and time.Until in a file.
func timeNowCalls(t *testing.T, path string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	timeName := ""
	for _, imp := range f.Imports {
		if imp.Path.Value == `"time"` {
			timeName = "time"
			if imp.Name != nil {
				timeName = imp.Name.Name
			}
		}
	}
	if timeName == "" {
		return nil
	}
	var found []string
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok && id.Name == timeName {
			switch sel.Sel.Name {
			case "Now", "Since", "Until", "Sleep", "After", "Tick", "NewTimer", "NewTicker", "AfterFunc":
				found = append(found, fset.Position(sel.Pos()).String())
			}
		}
		return true
	})
	return found
}
