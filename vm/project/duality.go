package project

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/vm/syntax"
)

// edgeLabel is one label on one directed edge.
type edgeLabel struct {
	from, to string
	label    syntax.Label
}

// checkDuality checks every edge: the labels (and sorts) a role can send
// to a partner are exactly those the partner can receive from it.
func checkDuality(pr *Projection) hcl.Diagnostics {
	sends, recvs := map[edgeLabel]bool{}, map[edgeLabel]bool{}
	for i, role := range pr.Protocol.Roles {
		seen := map[*Local]bool{}
		var walk func(*Local)
		walk = func(t *Local) {
			if seen[t] {
				return
			}
			seen[t] = true
			switch t.Kind {
			case LSend, LRecv:
				for _, b := range t.Branches {
					if t.Kind == LSend {
						sends[edgeLabel{role, t.Partner, b.Label}] = true
					} else {
						recvs[edgeLabel{t.Partner, role, b.Label}] = true
					}
					walk(b.Next)
				}
			case LAction:
				walk(t.Next)
			case LRec:
				walk(t.Body)
			}
		}
		walk(pr.Locals[i])
	}
	var diags hcl.Diagnostics
	report := func(e edgeLabel, missing string) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Projections are not dual",
			Detail: fmt.Sprintf("On the edge %s -> %s, %s %s.", e.from, e.to, e.label, missing), Subject: pr.Protocol.Range.Ptr()})
	}
	key := func(e edgeLabel) string { return e.from + "\x00" + e.to + "\x00" + e.label.String() }
	for _, e := range slices.SortedFunc(maps.Keys(sends), func(a, b edgeLabel) int { return strings.Compare(key(a), key(b)) }) {
		if !recvs[e] {
			report(e, "is sent but never received")
		}
	}
	for _, e := range slices.SortedFunc(maps.Keys(recvs), func(a, b edgeLabel) int { return strings.Compare(key(a), key(b)) }) {
		if !sends[e] {
			report(e, "is received but never sent")
		}
	}
	return diags
}
