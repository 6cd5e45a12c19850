package project_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/aurahost/aura-host/vm/project"
	"github.com/aurahost/aura-host/vm/syntax"
)

// nestedRec builds, without the parser (which refuses nesting this deep),
// the global type of depth recs nested in one another: at each level A
// tells B M, then chooses between going a level deeper (the branch
// written first, so a walk looking for the loop's continue meets every
// deeper level first) and looping there; the innermost level loops to the
// outermost. C takes no part in the choices: B tells it which branch A
// took, so projecting C merges the two branches at every level.
func nestedRec(depth int) *syntax.Protocol {
	unit := func(name string) syntax.Label { return syntax.Label{Name: name, Sort: syntax.SortUnit} }
	comm := func(from, to, label string, next *syntax.Global) *syntax.Global {
		return &syntax.Global{Kind: syntax.GComm, From: from, To: to, Branches: []*syntax.GBranch{{Label: unit(label), Next: next}}}
	}
	g := &syntax.Global{Kind: syntax.GVar, Var: "R0"}
	for i := depth - 1; i >= 0; i-- {
		r := fmt.Sprintf("R%d", i)
		choice := &syntax.Global{Kind: syntax.GComm, From: "A", To: "B", Branches: []*syntax.GBranch{
			{Label: unit("In"), Next: comm("B", "C", "In", g)},
			{Label: unit("Again"), Next: comm("B", "C", "Again", &syntax.Global{Kind: syntax.GVar, Var: r})},
		}}
		g = &syntax.Global{Kind: syntax.GRec, Var: r, Body: comm("A", "B", fmt.Sprintf("M%d", i), choice)}
	}
	return &syntax.Protocol{Name: "deep", Roles: []string{"A", "B", "C"}, Global: g}
}

// projectBytes is what projecting the protocol of nestedRec(depth)
// allocates, in bytes: a walk repeated per level shows here as the maps
// it grows, where a count of allocations would barely move.
func projectBytes(t *testing.T, depth int) float64 {
	t.Helper()
	p := nestedRec(depth)
	if diags := syntax.CheckGlobal(p); diags.HasErrors() {
		t.Fatal(diags)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, diags := project.Project(p); diags.HasErrors() {
		t.Fatal(diags)
	}
	runtime.ReadMemStats(&after)
	return float64(after.TotalAlloc - before.TotalAlloc)
}

// TestNestedRecProjectionIsLinear: projecting nested recs used to walk
// each rec's whole body again to see whether its variable is used, a
// cost quadratic in the depth (6.2 GB allocated at depth 4k). Doubling
// the depth now doubles the work.
func TestNestedRecProjectionIsLinear(t *testing.T) {
	// Not parallel: AllocsPerRun counts the whole process's bytes.
	a1k, a2k, a4k := projectBytes(t, 1000), projectBytes(t, 2000), projectBytes(t, 4000)
	t.Logf("bytes: depth 1k %.0f, 2k %.0f, 4k %.0f", a1k, a2k, a4k)
	if a2k > 2.5*a1k || a4k > 2.5*a2k {
		t.Errorf("work grows faster than the depth: 1k %.0f, 2k %.0f, 4k %.0f bytes", a1k, a2k, a4k)
	}
}
