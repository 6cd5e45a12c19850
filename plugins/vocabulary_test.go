package plugins_test

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// hostOwnedFamilies lists the operation families that package effects
// names but no built-in plugin serves, because the host answers them
// itself; each says which host package serves it.
var hostOwnedFamilies = map[string]string{
	// device.sign and device.public_key hold the agent's device key, which
	// must never be handed to a plugin.
	"device": "host/agent",
	// cover.status describes the cover-traffic service, which the agent
	// hosts in process: it must see every send and spend a reserved budget.
	"cover": "host/agent (host/cover)",
	// The catalogue's views read the guard chain's state (budgets,
	// receipts) and the agent's (its held key, its sync service).
	"flow_budget": "host/agent",
	"receipt":     "host/agent",
	"threshold":   "host/agent",
	"sync":        "host/agent",
	// The system family reads the agent's plugins, services, router and
	// guard chain, and changes its settings; local_health is its
	// local_health_observer service's; the trace family is every host's
	// own, answered deterministically in process.
	"system":       "host/agent",
	"local_health": "host/agent",
	"trace":        "host",
	// hold.* is the hold service, hosted in process because it signs with
	// the device key and sends through the agent's guard chain.
	"hold": "host/holds (a builtin service of host/agent)",
	// The social topology and path selection see the agent's journal,
	// device keys and health as host-owned services (host/social, declared
	// as the builtin services social_manager and selection).
	"social":    "host/social",
	"selection": "host/social",
	// The reactive pipeline is fed every journal commit the agent's router
	// sees, the guard chain's own facts included.
	"reactive": "host/reactive (a builtin service of host/agent)",
}

// opConstants reads package effects' source and returns its constants of
// type OpID, by value, each with its name. Reading the source (rather than
// a list kept beside the constants) means a constant cannot be forgotten.
func opConstants(t *testing.T) map[effects.OpID]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "effects", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	consts := map[effects.OpID]string{}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.CONST {
				continue
			}
			for _, spec := range gen.Specs {
				vs := spec.(*ast.ValueSpec)
				if typ, ok := vs.Type.(*ast.Ident); !ok || typ.Name != "OpID" {
					continue
				}
				for i, name := range vs.Names {
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Fatalf("%s: OpID constant %s is not a string literal", fset.Position(name.Pos()), name.Name)
					}
					s, _ := strconv.Unquote(lit.Value)
					id, err := effects.ParseOpID(s)
					if err != nil {
						t.Errorf("%s: %s: %v", fset.Position(name.Pos()), name.Name, err)
						continue
					}
					if other, dup := consts[id]; dup {
						t.Errorf("%s: %s and %s both name %s", fset.Position(name.Pos()), other, name.Name, id)
					}
					consts[id] = name.Name
				}
			}
		}
	}
	if len(consts) == 0 {
		t.Fatal("found no OpID constants in package effects")
	}
	return consts
}

// TestOperationVocabulary checks that package effects names every
// operation a built-in declares, and nothing else: every declared
// operation is one of effects' OpID constants, and every constant's
// family is served by some built-in (or listed in hostOwnedFamilies), with
// the constant itself declared by a built-in serving that family.
func TestOperationVocabulary(t *testing.T) {
	t.Parallel()
	consts := opConstants(t)
	declared := map[effects.OpID][]string{} // operation -> built-ins declaring it
	for _, name := range plugins.Names() {
		newPlugin, _ := plugins.Lookup(name)
		for _, op := range newPlugin().Descriptor().Ops {
			declared[op.ID] = append(declared[op.ID], name)
			if _, ok := consts[op.ID]; !ok {
				t.Errorf("%s declares %s, which is not an OpID constant of package effects", name, op.ID)
			}
		}
	}
	servedFamilies := map[string]bool{}
	for id := range declared {
		servedFamilies[id.Family()] = true
	}
	for _, owner := range hostOwnedFamilies {
		if owner == "" {
			t.Error("a host-owned family must name the package that serves it")
		}
	}
	for id, name := range consts {
		family := id.Family()
		if _, ok := hostOwnedFamilies[family]; ok {
			if servedFamilies[family] {
				t.Errorf("family %s is listed as host-owned but built-ins %v serve %s", family, declared[id], id)
			}
			continue
		}
		if !servedFamilies[family] {
			t.Errorf("effects.%s (%s): no built-in serves family %s, and it is not listed as host-owned", name, id, family)
			continue
		}
		if len(declared[id]) == 0 {
			t.Errorf("effects.%s (%s): no built-in declares it", name, id)
		}
	}
	// The families of each built-in as the catalogue reports them must all
	// be named in effects.
	constFamilies := map[string]bool{}
	for id := range consts {
		constFamilies[id.Family()] = true
	}
	for _, name := range plugins.Names() {
		for _, family := range plugins.Families(name) {
			if !constFamilies[family] {
				t.Errorf("%s serves family %s, which has no constants in package effects", name, family)
			}
		}
	}
}

// TestOperationWireNames pins the operation IDs on the wire, which users
// write in HCL and protocols: testdata/operations.golden lists each
// operation the built-ins declare, its constant in package effects and
// the built-ins serving it. Changing an ID there breaks deployments, so it
// must be a deliberate edit of the golden file (go test -run
// TestOperationWireNames -update ./plugins/).
func TestOperationWireNames(t *testing.T) {
	t.Parallel()
	consts := opConstants(t)
	servers := map[effects.OpID][]string{}
	for _, name := range plugins.Names() {
		newPlugin, _ := plugins.Lookup(name)
		for _, op := range newPlugin().Descriptor().Ops {
			servers[op.ID] = append(servers[op.ID], name)
		}
	}
	ids := slices.Sorted(maps.Keys(servers))
	var b strings.Builder
	b.WriteString("# operation\teffects constant\tserved by\n")
	for _, id := range ids {
		fmt.Fprintf(&b, "%s\teffects.%s\t%s\n", id, consts[id], strings.Join(servers[id], " "))
	}
	golden := filepath.Join("testdata", "operations.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("the built-ins' operations differ from %s; if the change is meant, run with -update\ngot:\n%s", golden, got)
	}
}
