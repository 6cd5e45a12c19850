package plugins_test

import (
	"slices"
	"testing"

	"github.com/aurahost/aura-host/plugins"
)

func TestNames(t *testing.T) {
	t.Parallel()
	want := []string{"auth", "ceremony", "clock", "console", "crypto", "invitation", "journal", "random", "recovery", "rendezvous", "session", "sim-clock", "sim-network", "sim-random", "sim-storage", "storage", "transport"}
	if got := plugins.Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
}

func TestEveryBuiltinDeclaresItselfCorrectly(t *testing.T) {
	t.Parallel()
	for name, newPlugin := range plugins.Builtins() {
		t.Run(name, func(t *testing.T) {
			p := newPlugin()
			if p.Name != name {
				t.Fatalf("listed as %q but named %q", name, p.Name)
			}
			if err := p.Validate(); err != nil {
				t.Fatal(err)
			}
			d := p.Descriptor()
			if err := d.Validate(); err != nil {
				t.Fatal(err)
			}
			if len(d.Ops) == 0 {
				t.Fatal("declares no operations")
			}
			for _, op := range d.Ops {
				// Built-ins serve the families the catalogue declares for
				// them (their own name's, unless listed), so a deployment
				// can see from an operation's ID which built-in serves it.
				if !slices.Contains(plugins.Families(name), op.ID.Family()) {
					t.Errorf("operation %s is outside the families %v of %s", op.ID, plugins.Families(name), name)
				}
				if op.Doc == "" {
					t.Errorf("operation %s has no Doc", op.ID)
				}
				for _, param := range op.Params {
					if param.Doc == "" {
						t.Errorf("operation %s: parameter %s has no Doc", op.ID, param.Name)
					}
				}
			}
			for _, f := range d.Config {
				if f.Doc == "" {
					t.Errorf("config field %s has no Doc", f.Name)
				}
			}
			if newPlugin() == p {
				t.Fatal("the constructor returned the same plugin twice")
			}
		})
	}
}

func TestBuiltinsIsACopy(t *testing.T) {
	t.Parallel()
	m := plugins.Builtins()
	delete(m, "crypto")
	if _, ok := plugins.Lookup("crypto"); !ok || len(plugins.Builtins()) != len(plugins.Names()) {
		t.Fatal("changing the returned map changed the catalogue")
	}
	if _, ok := plugins.Lookup("no-such-plugin"); ok {
		t.Fatal("Lookup found a plugin that does not exist")
	}
}
