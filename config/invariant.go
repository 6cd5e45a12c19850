package config

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Invariant is an invariant block: a built-in property a simulation checks
// after every step (host/sim), selected by name with its parameters.
//
//	invariant "two_approvals" {
//	  builtin   = "threshold_grant"
//	  run       = "recovery"
//	  role      = "Account"
//	  approve   = "Approve"
//	  grant     = "Granted"
//	  threshold = 2
//	}
//	invariant "ends" {
//	  builtin = "liveness"
//	  within  = "30s"   # of virtual time after the last fault ends
//	}
//	invariant "sends" {
//	  builtin = "fact_count"
//	  agent   = "account"
//	  type    = "guard.send"  # a journal fact type
//	  max     = 6
//	}
type Invariant struct {
	// Name is the block's label, unique among invariants: it names the
	// invariant in a violation.
	Name      string
	NameRange hcl.Range
	DeclRange hcl.Range

	Builtin      string
	BuiltinRange hcl.Range

	// threshold_grant: Run's Role sends Grant only after Approve messages
	// from Threshold distinct roles reached it.
	Run, Role, Approve, Grant string
	RunRange, RoleRange       hcl.Range
	Threshold                 int
	// liveness: every run ends within Within after the last fault.
	Within time.Duration
	// fact_count: Agent's journal never holds more than Max facts of
	// type FactType.
	Agent      string
	AgentRange hcl.Range
	FactType   string
	Max        int

	written map[string]hcl.Range
}

// The built-in invariants an invariant block selects.
const (
	InvariantReceiptOnce    = "receipt_once"
	InvariantFlowBudget     = "flow_budget"
	InvariantThresholdGrant = "threshold_grant"
	InvariantLiveness       = "liveness"
	InvariantFactCount      = "fact_count"
)

// invariantBuiltins are the built-ins and the arguments each needs besides
// builtin (all of them required).
var invariantBuiltins = []struct {
	name string
	args []string
}{
	{InvariantReceiptOnce, nil},
	{InvariantFlowBudget, nil},
	{InvariantThresholdGrant, []string{"run", "role", "approve", "grant", "threshold"}},
	{InvariantLiveness, []string{"within"}},
	{InvariantFactCount, []string{"agent", "type", "max"}},
}

var invariantExamples = map[string]string{
	"run": `"recovery"`, "role": `"Account"`, "approve": `"Approve"`, "grant": `"Granted"`, "threshold": "2", "within": `"30s"`,
	"agent": `"account"`, "type": `"guard.send"`, "max": "6",
}

var invariantSpec = bodySpec[Invariant]{
	where: "in an invariant block",
	attrs: []attrSpec[Invariant]{
		{name: "builtin", required: true, example: `"threshold_grant"`, decode: func(d *decoder, inv *Invariant, a *hcl.Attribute) {
			if s, ok := d.stringAttr(a, `"threshold_grant"`); ok {
				inv.Builtin, inv.BuiltinRange = s, a.Expr.Range()
			}
		}},
		{name: "run", decode: func(d *decoder, inv *Invariant, a *hcl.Attribute) {
			if s, ok := d.stringAttr(a, `"recovery"`); ok {
				inv.Run, inv.RunRange = s, a.Expr.Range()
			}
		}},
		{name: "role", decode: func(d *decoder, inv *Invariant, a *hcl.Attribute) {
			if s, ok := d.stringAttr(a, `"Account"`); ok {
				inv.Role, inv.RoleRange = s, a.Expr.Range()
			}
		}},
		{name: "approve", decode: func(d *decoder, inv *Invariant, a *hcl.Attribute) {
			inv.Approve, _ = d.stringAttr(a, `"Approve"`)
		}},
		{name: "grant", decode: func(d *decoder, inv *Invariant, a *hcl.Attribute) {
			inv.Grant, _ = d.stringAttr(a, `"Granted"`)
		}},
		{name: "threshold", decode: func(d *decoder, inv *Invariant, a *hcl.Attribute) {
			inv.Threshold, _ = d.intAttr(a, "2", 1, 1<<20, "of at least 1")
		}},
		{name: "agent", decode: func(d *decoder, inv *Invariant, a *hcl.Attribute) {
			if s, ok := d.stringAttr(a, `"account"`); ok {
				inv.Agent, inv.AgentRange = s, a.Expr.Range()
			}
		}},
		{name: "type", decode: func(d *decoder, inv *Invariant, a *hcl.Attribute) {
			inv.FactType, _ = d.stringAttr(a, `"guard.send"`)
		}},
		{name: "max", decode: func(d *decoder, inv *Invariant, a *hcl.Attribute) {
			inv.Max, _ = d.intAttr(a, "6", 0, 1<<30, "of 0 or more")
		}},
		{name: "within", decode: func(d *decoder, inv *Invariant, a *hcl.Attribute) {
			inv.Within, _ = d.duration(a, "30s", nonNegative)
		}},
	},
}

// Invariant returns the invariant declared with name, or nil.
func (d *Deployment) Invariant(name string) *Invariant {
	for _, inv := range d.Invariants {
		if inv.Name == name {
			return inv
		}
	}
	return nil
}

func decodeInvariantBlock(d *decoder, dep *Deployment, b *hcl.Block) {
	inv := &Invariant{Name: b.Labels[0], NameRange: b.LabelRanges[0], DeclRange: b.DefRange, written: map[string]hcl.Range{}}
	if sb, ok := b.Body.(*hclsyntax.Body); ok {
		for name, a := range sb.Attributes {
			inv.written[name] = a.NameRange
		}
	}
	duplicate := false
	if !validName(inv.Name) {
		d.add(invalidName("invariant", inv.Name, inv.NameRange))
	} else if first := dep.Invariant(inv.Name); first != nil {
		duplicate = true
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Duplicate invariant name",
			Detail:   fmt.Sprintf("An invariant named %q is already declared at %s. Invariant names must be unique: rename or remove one of them.", inv.Name, lineOf(first.NameRange, inv.NameRange)),
			Subject:  inv.NameRange.Ptr(),
		})
	}
	invariantSpec.decode(d, inv, b.Body)
	if inv.BuiltinRange == (hcl.Range{}) {
		return // missing or not a string: already reported
	}
	i := slices.IndexFunc(invariantBuiltins, func(x struct {
		name string
		args []string
	}) bool {
		return x.name == inv.Builtin
	})
	if i < 0 {
		names := make([]string, len(invariantBuiltins))
		for i, b := range invariantBuiltins {
			names[i] = b.name
		}
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown invariant",
			Detail:   fmt.Sprintf("There is no built-in invariant %q.%s The built-ins are %s.", inv.Builtin, didYouMean(inv.Builtin, names), quotedList(names, "and")),
			Subject:  inv.BuiltinRange.Ptr(),
		})
		return
	}
	args := invariantBuiltins[i].args
	for _, name := range sortedNames(inv.written) {
		if name == "builtin" || invariantSpec.attr(name) == nil || slices.Contains(args, name) {
			continue // unknown names are already reported
		}
		takes := "no arguments besides builtin"
		if len(args) > 0 {
			takes = joinList(args, "and")
		}
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Argument not allowed for this invariant",
			Detail:   fmt.Sprintf("The %q invariant takes no %s. It takes %s.", inv.Builtin, name, takes),
			Subject:  inv.written[name].Ptr(),
		})
	}
	var missing []string
	for _, name := range args {
		if _, ok := inv.written[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		them := "them"
		if len(missing) == 1 {
			them = "it"
		}
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing invariant argument",
			Detail: fmt.Sprintf("The %q invariant needs %s; this block lacks %s. Add %s, for example: %s = %s",
				inv.Builtin, joinList(args, "and"), joinList(missing, "and"), them, missing[0], invariantExamples[missing[0]]),
			Subject: inv.DeclRange.Ptr(),
		})
	}
	if !duplicate {
		dep.Invariants = append(dep.Invariants, inv)
	}
}

// checkInvariantRuns checks that a threshold_grant invariant names a run
// of the deployment and one of the roles that run binds, and that a
// fact_count invariant names an agent of it.
func (d *decoder) checkInvariantRuns(dep *Deployment) {
	for _, inv := range dep.Invariants {
		if inv.AgentRange != (hcl.Range{}) {
			d.checkRef(dep, inv.Agent, inv.AgentRange, fmt.Sprintf("Invariant %q reads the journal of agent %q", inv.Name, inv.Agent), false)
		}
		if inv.RunRange == (hcl.Range{}) {
			continue
		}
		r := dep.Run(inv.Run)
		if r == nil {
			names := make([]string, len(dep.Runs))
			for i, r := range dep.Runs {
				names[i] = r.Name
			}
			declared := "The deployment declares no run block."
			if len(names) > 0 {
				declared = fmt.Sprintf("Declared runs: %s.", quotedList(names, "and"))
			}
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown run",
				Detail:   fmt.Sprintf("Invariant %q checks run %q, but no run block is named %q.%s %s", inv.Name, inv.Run, inv.Run, didYouMean(inv.Run, names), declared),
				Subject:  inv.RunRange.Ptr(),
			})
			continue
		}
		if _, ok := r.Roles[inv.Role]; !ok && inv.RoleRange != (hcl.Range{}) && r.Roles != nil {
			roles := slices.Sorted(maps.Keys(r.Roles))
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown role",
				Detail:   fmt.Sprintf("Invariant %q checks role %s of run %q, which binds no such role.%s Its roles are %s.", inv.Name, inv.Role, inv.Run, didYouMean(inv.Role, roles), joinList(roles, "and")),
				Subject:  inv.RoleRange.Ptr(),
			})
		}
	}
}
