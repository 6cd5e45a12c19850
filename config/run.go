package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Run is a run block: a protocol session the deployment runs, its roles
// bound to agents. The VM parses and checks the protocol itself; config
// only records where it is and how its roles are bound.
//
//	run "recovery" {
//	  protocol = "../protocols/guardian_recovery.hcl"  # relative to this file
//	  name     = "guardian_recovery"                   # optional: which protocol in the file
//	  roles    = { Account = "alice", "Guardian[0]" = "g1", "Guardian[1]" = "g2" }
//	  timeout  = "1h"
//	}
type Run struct {
	// Name is the block's label, unique among runs.
	Name      string
	NameRange hcl.Range
	// DeclRange is the block header, `run "name"`.
	DeclRange hcl.Range

	// Protocol is the path of the protocol file, resolved against the
	// deployment's directory like a plugin command.
	Protocol      string
	ProtocolRange hcl.Range

	// ProtocolName selects a protocol by name when the file holds several;
	// "" when absent.
	ProtocolName      string
	ProtocolNameRange hcl.Range

	// Roles maps each role ("Account", "Guardian[0]" for a member of a
	// family) to the name of the agent block that plays it. RoleRanges
	// holds the range of each binding, from the role to its agent.
	Roles      map[string]string
	RolesRange hcl.Range
	RoleRanges map[string]hcl.Range

	// Timeout bounds the run on the mode's clock (virtual in simulation);
	// 0 when absent.
	Timeout      time.Duration
	TimeoutRange hcl.Range

	// agentRanges holds the range of each role's agent name.
	agentRanges map[string]hcl.Range
}

var runSpec = bodySpec[Run]{
	where: "in a run block",
	attrs: []attrSpec[Run]{
		{name: "protocol", required: true, example: `"protocols/ping_pong.hcl"`, decode: func(d *decoder, r *Run, a *hcl.Attribute) {
			s, ok := d.stringAttr(a, `"protocols/ping_pong.hcl"`)
			if !ok {
				return
			}
			if p, ok := d.resolvePath(s, a); ok {
				r.Protocol, r.ProtocolRange = p, a.Expr.Range()
			}
		}},
		{name: "name", decode: func(d *decoder, r *Run, a *hcl.Attribute) {
			s, ok := d.stringAttr(a, `"ping_pong"`)
			if !ok {
				return
			}
			if strings.TrimSpace(s) == "" {
				d.add(&hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Empty protocol name",
					Detail:   "name selects a protocol of the file by its label, protocol \"<name>\" { ... }. Give the label, or remove name when the file holds one protocol.",
					Subject:  a.Expr.Range().Ptr(),
				})
				return
			}
			r.ProtocolName, r.ProtocolNameRange = s, a.Expr.Range()
		}},
		{name: "roles", required: true, example: `{ Client = "alice", Server = "bob" }`, decode: decodeRoles},
		{name: "timeout", decode: func(d *decoder, r *Run, a *hcl.Attribute) {
			r.Timeout, r.TimeoutRange = d.duration(a, "1h", positive)
		}},
	},
}

// Run returns the run declared with name, or nil.
func (d *Deployment) Run(name string) *Run {
	for _, r := range d.Runs {
		if r.Name == name {
			return r
		}
	}
	return nil
}

func decodeRunBlock(d *decoder, dep *Deployment, b *hcl.Block) {
	r := &Run{Name: b.Labels[0], NameRange: b.LabelRanges[0], DeclRange: b.DefRange}
	duplicate := false
	if !validName(r.Name) {
		d.add(invalidName("run", r.Name, r.NameRange))
	} else if first := dep.Run(r.Name); first != nil {
		duplicate = true
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Duplicate run name",
			Detail:   fmt.Sprintf("A run named %q is already declared at %s. Run names must be unique: rename or remove one of them.", r.Name, lineOf(first.NameRange, r.NameRange)),
			Subject:  r.NameRange.Ptr(),
		})
	}
	runSpec.decode(d, r, b.Body)
	if !duplicate {
		dep.Runs = append(dep.Runs, r)
	}
}

func decodeRoles(d *decoder, r *Run, a *hcl.Attribute) {
	r.RolesRange = a.Expr.Range()
	items, ok := d.stringMapAttr(a, `{ Client = "alice", Server = "bob" }`)
	if !ok {
		return
	}
	roles := make(map[string]string, len(items))
	ranges := make(map[string]hcl.Range, len(items))
	agents := make(map[string]hcl.Range, len(items))
	for _, it := range items {
		if problem := roleProblem(it.Key); problem != "" {
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid role",
				Detail:   problem,
				Subject:  it.KeyRange.Ptr(),
			})
			continue
		}
		roles[it.Key] = it.Value
		ranges[it.Key] = hcl.RangeBetween(it.KeyRange, it.ValueRange)
		agents[it.Key] = it.ValueRange
	}
	r.Roles, r.RoleRanges, r.agentRanges = roles, ranges, agents
}

// roleProblem explains why s cannot name a role of a protocol: a name
// ("Account") or a member of a role family ("Guardian[0]"); "" if it can.
func roleProblem(s string) string {
	name, index, family := strings.Cut(s, "[")
	problem := ""
	switch {
	case !isRoleName(name):
		problem = fmt.Sprintf("%q cannot name a role: a role is a letter followed by letters, digits or \"_\" (\"Account\"), or a member of a role family, \"Guardian[0]\".", s)
	case family && index == "*]":
		problem = fmt.Sprintf("%q stands for every member of the family; bind each member to its agent: %q = \"g1\", %q = \"g2\", ...", s, name+"[0]", name+"[1]")
	case family && !validIndex(strings.TrimSuffix(index, "]")) || family && !strings.HasSuffix(index, "]"):
		problem = fmt.Sprintf("%q cannot name a role: a member of a role family is the family's name and an index from 0, as in %q.", s, name+"[0]")
	}
	return problem
}

// isRoleName reports whether s is a letter followed by letters, digits or
// '_', as the VM names roles.
func isRoleName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '_'):
		default:
			return false
		}
	}
	return true
}

// validIndex reports whether s is a decimal index without leading zeros.
func validIndex(s string) bool {
	if s == "" || len(s) > 4 || len(s) > 1 && s[0] == '0' {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// checkRunAgents reports roles bound to agents no agent block declares.
func (d *decoder) checkRunAgents(dep *Deployment) {
	for _, r := range dep.Runs {
		for _, role := range sortedNames(r.agentRanges) {
			if dep.PeerNamed(r.Roles[role]) != nil {
				continue // played on the peer's machine
			}
			d.checkAgentRef(dep, r.Roles[role], r.agentRanges[role], fmt.Sprintf("Run %q binds role %s to agent %q", r.Name, role, r.Roles[role]))
		}
	}
}
