package archtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// listed is one package as `go list -json` describes it.
type listed struct {
	ImportPath   string
	Dir          string
	GoFiles      []string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

// goosesChecked are the systems whose build-tagged files are checked: the
// host supervises plugins on Linux and must still build elsewhere.
var goosesChecked = []string{"linux", "darwin"}

// listPackages runs `go list` for every GOOS checked and merges what the
// packages import, so a file that builds only elsewhere is checked too. It
// also returns the packages as listed for the first GOOS. The go list runs
// happen once per test binary.
func listPackages(t *testing.T) ([]Package, []listed) {
	t.Helper()
	l := listOnce()
	if l.err != nil {
		t.Fatal(l.err)
	}
	return l.pkgs, l.native
}

type listing struct {
	pkgs   []Package
	native []listed
	err    error
}

var listOnce = sync.OnceValue(goList)

func goList() listing {
	byPath := map[string]*Package{}
	var order []string
	var native []listed
	for _, goos := range goosesChecked {
		cmd := exec.Command("go", "list", "-json", Module+"/...")
		cmd.Env = append(os.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			return listing{err: fmt.Errorf("GOOS=%s go list: %v\n%s", goos, err, errOut.String())}
		}
		dec := json.NewDecoder(&out)
		for dec.More() {
			var l listed
			if err := dec.Decode(&l); err != nil {
				return listing{err: err}
			}
			if goos == goosesChecked[0] {
				native = append(native, l)
			}
			p := byPath[l.ImportPath]
			if p == nil {
				p = &Package{Path: l.ImportPath}
				byPath[l.ImportPath] = p
				order = append(order, l.ImportPath)
			}
			p.Imports = union(p.Imports, l.Imports)
			p.TestImports = union(p.TestImports, l.TestImports, l.XTestImports)
		}
	}
	if len(order) < 5 {
		return listing{err: fmt.Errorf("go list found only %d packages; is the test run inside the module?", len(order))}
	}
	pkgs := make([]Package, 0, len(order))
	for _, path := range order {
		pkgs = append(pkgs, *byPath[path])
	}
	return listing{pkgs: pkgs, native: native}
}

func union(lists ...[]string) []string {
	all := slices.Concat(lists...)
	slices.Sort(all)
	return slices.Compact(all)
}

// TestImportRules fails on every import, in production or test files, that
// archtest.Rules forbids, on every package no rule covers, and on every
// exception no longer needed.
func TestImportRules(t *testing.T) {
	pkgs, _ := listPackages(t)
	for _, v := range Check(pkgs, Rules) {
		t.Error(v)
	}
	for _, u := range UnusedExceptions(pkgs, Rules) {
		t.Error(u)
	}
}

// TestVMDoesNotReadTheClock keeps wall-clock time out of the VM. Today the
// allow-list keeps time out altogether; should time ever be allowed for
// durations, this still forbids reading or waiting on the clock.
func TestVMDoesNotReadTheClock(t *testing.T) {
	_, native := listPackages(t)
	checked := 0
	for _, p := range native {
		rel, _ := relative(p.ImportPath)
		if !match("vm/...", rel) {
			continue
		}
		for _, f := range p.GoFiles {
			checked++
			for _, pos := range timeNowCalls(t, filepath.Join(p.Dir, f)) {
				t.Errorf("%s calls time.Now (or another clock reader): time is an effect in the VM", pos)
			}
		}
	}
	if checked == 0 {
		t.Fatal("found no file of the VM to check")
	}
}

// timeNowCalls finds the uses of time's clock readers in a file.
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
