package vm

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/vm/interchange"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/project"
	"github.com/aurahost/aura-host/vm/syntax"
	"github.com/aurahost/aura-host/vm/trace"
)

// twoBuyer is the classic two-buyer protocol as another MPST tool would
// write it.
const twoBuyer = `{
  "kind": "comm", "sender": "Buyer1", "receiver": "Seller",
  "branches": [{"label": {"name": "Title", "sort": "string"}, "continuation":
  {"kind": "comm", "sender": "Seller", "receiver": "Buyer1",
   "branches": [{"label": {"name": "Quote", "sort": "nat"}, "continuation":
   {"kind": "comm", "sender": "Seller", "receiver": "Buyer2",
    "branches": [{"label": {"name": "Quote", "sort": "nat"}, "continuation":
    {"kind": "comm", "sender": "Buyer1", "receiver": "Buyer2",
     "branches": [{"label": {"name": "Share", "sort": "nat"}, "continuation":
     {"kind": "comm", "sender": "Buyer2", "receiver": "Seller", "branches": [
       {"label": {"name": "Ok", "sort": "unit"}, "continuation":
        {"kind": "comm", "sender": "Buyer2", "receiver": "Seller",
         "branches": [{"label": {"name": "Address", "sort": "string"}, "continuation":
         {"kind": "comm", "sender": "Seller", "receiver": "Buyer2",
          "branches": [{"label": {"name": "Date", "sort": "string"}, "continuation": {"kind": "end"}}]}}]}},
       {"label": {"name": "Quit", "sort": "unit"}, "continuation": {"kind": "end"}}
     ]}}]}}]}}]}}]
}`

func TestJSONInterchange(t *testing.T) {
	p, diags := interchange.ParseJSON([]byte(twoBuyer), "two_buyer.json")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if p.Name != "two_buyer" || len(p.Roles) != 3 || p.Roles[0] != "Buyer1" || p.Roles[2] != "Buyer2" {
		t.Fatalf("name %q roles %v", p.Name, p.Roles)
	}
	prog, diags := Compile(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	js, err := interchange.LocalJSON(prog.Projection, "Buyer2")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"kind": "recv"`, `"partner": "Seller"`, `"name": "Quote"`, `"sort": "nat"`, `"kind": "send"`, `"name": "Quit"`} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("Buyer2's local type lacks %s:\n%s", want, js)
		}
	}
	for _, label := range []string{"Ok", "Quit"} {
		host := NewRegistryEffects(RegistryEffectsConfig{Seed: 1, Decide: decideBy(map[string]string{"Buyer2": label})})
		m, err := RunSession(context.Background(), prog, Config{Effects: host, Granularity: policy.Full})
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		for _, e := range m.Trace().Entries {
			if e.Kind == trace.KindSend && e.Operation == "Quote" {
				if _, ok := e.Inputs.AsUint(); !ok {
					t.Errorf("a nat payload is %s", e.Inputs.Kind())
				}
			}
		}
	}
	// The wrapped form names the protocol and fixes the role order.
	wrapped := `{"name": "tb", "roles": ["Seller", "Buyer1", "Buyer2"], "global": ` + twoBuyer + `}`
	p2, diags := Load([]byte(wrapped), "x.json")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if p2.Name != "tb" || p2.Roles[0] != "Seller" {
		t.Fatalf("wrapped: name %q roles %v", p2.Name, p2.Roles)
	}
}

// TestJSONRoundTrip: each example's global type, written as JSON and read
// back, projects to the same local types (the interchange form has no
// role-local actions, so both sides leave them out).
func TestJSONRoundTrip(t *testing.T) {
	skipped := 0
	check := func(t *testing.T, name string, p *syntax.Protocol) {
		t.Helper()
		pr, diags := project.Project(p)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		js, err := interchange.GlobalJSON(p)
		if err != nil {
			skipped++ // too many paths to write out as a tree
			return
		}
		wrapped := []byte(`{"name": "` + p.Name + `", "roles": ["` + strings.Join(p.Roles, `", "`) + `"], "global": ` + string(js) + `}`)
		back, diags := interchange.ParseJSON(wrapped, name+".json")
		if diags.HasErrors() {
			t.Fatalf("%s\n%s", diags, js)
		}
		pr2, diags := project.Project(back)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		for _, role := range p.Roles {
			if pr2.Local(role) == nil {
				// A role with only local actions has no part in the
				// interchange form.
				continue
			}
			a, _ := interchange.LocalJSON(pr, role)
			b, _ := interchange.LocalJSON(pr2, role)
			if !bytes.Equal(a, b) {
				t.Errorf("%s %s: local types differ after the round trip:\n%s\nvs\n%s", name, role, a, b)
			}
		}
	}
	for _, name := range exampleNames(t) {
		src, file := readExample(t, name)
		p, diags := syntax.Parse(src, file)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		check(t, name, p)
	}
	for seed := uint64(1); seed <= 100; seed++ {
		p, diags := syntax.Parse([]byte(genProtocol(seed)), "gen.hcl")
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		check(t, p.Name, p)
	}
	if skipped > 10 {
		t.Errorf("%d of 100 generated protocols were too large to write as JSON", skipped)
	}
}
