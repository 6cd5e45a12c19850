package plugins_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/plugins"
)

func TestNames(t *testing.T) {
	want := []string{"auth", "clock", "console", "crypto", "invitation", "journal", "random", "recovery", "rendezvous", "session", "sim-clock", "sim-network", "sim-random", "sim-storage", "storage", "transport"}
	if got := plugins.Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
}

func TestEveryBuiltinDeclaresItselfCorrectly(t *testing.T) {
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
	m := plugins.Builtins()
	delete(m, "crypto")
	if _, ok := plugins.Lookup("crypto"); !ok || len(plugins.Builtins()) != len(plugins.Names()) {
		t.Fatal("changing the returned map changed the catalogue")
	}
	if _, ok := plugins.Lookup("no-such-plugin"); ok {
		t.Fatal("Lookup found a plugin that does not exist")
	}
}

// TestSimulationPluginsStandIn checks that each simulation plugin (and the
// production transport that sim-network stands in for) serves every
// operation of the plugin it replaces, with the same parameters and
// result, so that swapping one for the other in HCL breaks no caller.
func TestSimulationPluginsStandIn(t *testing.T) {
	for sim, real := range map[string]string{
		"sim-clock":   "clock",
		"sim-random":  "random",
		"sim-storage": "storage",
		"sim-network": "transport",
	} {
		t.Run(sim, func(t *testing.T) {
			newSim, ok1 := plugins.Lookup(sim)
			newReal, ok2 := plugins.Lookup(real)
			if !ok1 || !ok2 {
				t.Fatalf("%s or %s is not in the catalogue", sim, real)
			}
			served := map[string]string{}
			for _, op := range newSim().Descriptor().Ops {
				served[string(op.ID)] = op.Signature()
			}
			for _, op := range newReal().Descriptor().Ops {
				got, ok := served[string(op.ID)]
				if !ok {
					t.Errorf("%s does not serve %s", sim, op.ID)
					continue
				}
				// Signatures differ only in determinism and idempotence
				// markers, which a swap may change.
				trim := func(sig string) string { sig, _, _ = strings.Cut(sig, " ["); return sig }
				if trim(got) != trim(op.Signature()) {
					t.Errorf("%s serves %s, %s serves %s", sim, got, real, op.Signature())
				}
			}
		})
	}
}
