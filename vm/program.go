package vm

import (
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/vm/internal/compile"
	"github.com/aurahost/aura-host/vm/project"
	"github.com/aurahost/aura-host/vm/syntax"
)

// Program is a compiled protocol, ready to run: the protocol, its
// projection, and one compiled role per protocol role. The instructions
// stay inside the VM (vm/internal/compile); what a report needs to know
// about them is a method of RoleCode. A Program is immutable and can run
// any number of sessions concurrently.
type Program struct {
	Protocol   *syntax.Protocol
	Projection *project.Projection
	Roles      []*RoleCode // indexed like Protocol.Roles

	code *compile.Program
}

// RoleCode is the compiled local type of one role, seen from outside the
// machine: its name, its bindings and the depth of its local type.
type RoleCode struct {
	Role  string
	Slots []string // binding names, one register each
	Depth int      // depth of the local type (step budget)

	code *compile.RoleCode
}

// Compile projects p and compiles every local type. Every branch of every
// choice is compiled; shared continuations are compiled once.
func Compile(p *syntax.Protocol) (*Program, hcl.Diagnostics) {
	code, diags := compile.Compile(p)
	if diags.HasErrors() {
		return nil, diags
	}
	prog := &Program{Protocol: code.Protocol, Projection: code.Projection, code: code}
	for _, rc := range code.Roles {
		prog.Roles = append(prog.Roles, &RoleCode{Role: rc.Role, Slots: rc.Slots, Depth: rc.Depth, code: rc})
	}
	return prog, diags
}

// Role returns the code of role, or nil.
func (prog *Program) Role(role string) *RoleCode {
	if i := prog.Protocol.RoleIndex(role); i >= 0 {
		return prog.Roles[i]
	}
	return nil
}

// Instructions returns the length of the role's code.
func (rc *RoleCode) Instructions() int { return len(rc.code.Code) }

// Listing renders the role's compiled code, one instruction per line.
func (rc *RoleCode) Listing() string { return rc.code.Listing() }

// RoleSummary counts what a role's code does.
type RoleSummary struct {
	Sends, Receives int
	// Effects are the operations the role invokes and the host's own
	// services it asks for ("guard NAME", "now", "random"), sorted.
	Effects []string
}

// Summary counts the role's sends and receives (choices and offers
// included) and lists the effects it asks the host for.
func (rc *RoleCode) Summary() RoleSummary {
	var s RoleSummary
	add := func(name string) {
		if !slices.Contains(s.Effects, name) {
			s.Effects = append(s.Effects, name)
		}
	}
	for i := range rc.code.Code {
		in := &rc.code.Code[i]
		switch in.Op {
		case compile.OpSend, compile.OpChoose:
			s.Sends++
		case compile.OpReceive, compile.OpOffer:
			s.Receives++
		case compile.OpInvoke:
			add(string(in.Action.Op))
		case compile.OpAcquire, compile.OpRelease:
			add("guard " + in.Action.Guard)
		case compile.OpNow:
			add("now")
		case compile.OpRandom:
			add("random")
		}
	}
	slices.Sort(s.Effects)
	return s
}

// HostDecidedLabels lists, in code order, the labels of the role's
// choices that have no decide rule of their own: the choices whose
// branch the Effects boundary picks (Effects.Decide).
func (rc *RoleCode) HostDecidedLabels() []string {
	var labels []string
	for i := range rc.code.Code {
		in := &rc.code.Code[i]
		if in.Op != compile.OpChoose || in.Decide != nil {
			continue
		}
		for _, a := range in.Arms {
			if !slices.Contains(labels, a.Label.Name) {
				labels = append(labels, a.Label.Name)
			}
		}
	}
	return labels
}
