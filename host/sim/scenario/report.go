package scenario

import (
	"bytes"
	"errors"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/sim/swarm"
	"github.com/aurahost/aura-host/vm"
)

// Report is one seed's simulation of a scenario for people and scripts;
// its JSON form is what `simulate --json` prints.
type Report struct {
	Deployment string `json:"deployment"`
	File       string `json:"file"`
	Seed       uint64 `json:"seed"`
	Agents     int    `json:"agents"`
	Faults     int    `json:"faults"`
	// Drawn counts the faults the seed drew from the swarm block.
	Drawn int `json:"drawn,omitempty"`
	// FaultFile is set by whoever replays a fault file as the seed's
	// whole schedule (simulate --faults); Faults then counts its faults.
	FaultFile string `json:"fault_file,omitempty"`
	// Coverage says, per kind of fault scheduled (written or drawn),
	// whether one fired during the run (swarm.Coverage).
	Coverage    swarm.Coverage `json:"coverage,omitempty"`
	Status      string         `json:"status"` // ok, or failed when any run failed
	VirtualMs   int64          `json:"virtual_ms"`
	BundleHash  string         `json:"bundle_hash"`
	BundleLines int            `json:"bundle_lines"`
	Recorded    string         `json:"recorded,omitempty"` // set by whoever writes the bundle to a file
	Runs        []RunReport    `json:"runs"`
	Reproduce   string         `json:"reproduce,omitempty"` // set for a failing seed of a sweep
	// Violation is the invariant that stopped the simulation.
	Violation *ViolationReport `json:"violation,omitempty"`
}

// ViolationReport is an InvariantViolation for people and scripts.
type ViolationReport struct {
	Invariant string `json:"invariant"`
	Step      uint64 `json:"step"`
	VirtualMs int64  `json:"virtual_ms"`
	Message   string `json:"message"`
}

// RunReport is one run block's result.
type RunReport struct {
	Name       string               `json:"name"`
	Protocol   string               `json:"protocol"`
	Status     string               `json:"status"` // ok or failed
	FinishedMs int64                `json:"finished_ms"`
	Steps      uint64               `json:"steps"`
	Fault      *session.FaultReport `json:"fault,omitempty"`
	Roles      []RoleBinding        `json:"roles,omitempty"`
	// Err is the run's failure itself (nil when it completed), for placing
	// it at its protocol step.
	Err error `json:"-"`
	// Decl is the run block (nil if the outcome names a run the
	// deployment does not declare in that place).
	Decl *config.Run `json:"-"`
}

// RoleBinding is a role of a run, the agent that played it, and its final
// bindings.
type RoleBinding struct {
	Role     string                   `json:"role"`
	Agent    string                   `json:"agent"`
	Bindings map[string]effects.Value `json:"bindings"`
	// Names are the binding names in the role's slot order, for a text form.
	Names []string `json:"-"`
}

// Report describes out, the simulation of seed.
func (sc *Scenario) Report(seed uint64, out *sim.Outcome) *Report {
	agents := len(sc.Deployment.Agents)
	if agents == 0 {
		agents = 1 // the deployment's implicit agent
	}
	o := &Report{Deployment: sc.Deployment.Name, File: sc.File, Seed: seed, Agents: agents, Faults: len(sc.Deployment.Faults),
		Status: "ok", VirtualMs: out.VirtualMs, BundleHash: out.Bundle.Hash(),
		BundleLines: bytes.Count(out.Bundle.Bytes(), []byte{'\n'}), Drawn: len(out.Drawn), Coverage: out.Coverage}
	for i, r := range out.Runs {
		rr := RunReport{Name: r.Name, Status: "ok", FinishedMs: r.FinishedMs, Steps: r.Steps, Err: r.Err}
		var prog *vm.Program
		if i < len(sc.Deployment.Runs) && sc.Deployment.Runs[i].Name == r.Name {
			rr.Decl, prog = sc.Deployment.Runs[i], sc.Programs[i]
			rr.Protocol = prog.Protocol.Name
		}
		if r.Err != nil {
			rr.Status, o.Status = "failed", "failed"
			rr.Fault = errorReport(r.Err)
		}
		if prog != nil {
			for _, rc := range prog.Roles {
				rb := RoleBinding{Role: rc.Role, Agent: rr.Decl.Roles[rc.Role]}
				rb.Names, rb.Bindings = session.Bindings(rc, r.Binding)
				rr.Roles = append(rr.Roles, rb)
			}
		}
		o.Runs = append(o.Runs, rr)
	}
	if iv := out.Violation; iv != nil {
		o.Status = "failed"
		o.Violation = &ViolationReport{Invariant: iv.Invariant, Step: iv.Step, VirtualMs: iv.VirtualMs, Message: iv.Err.Error()}
	}
	return o
}

// InvariantKind is the fault kind of a run an invariant stopped.
const InvariantKind = "InvariantViolation"

// errorReport is a run's failure for people and scripts: its fault, or
// why it could not run.
func errorReport(err error) *session.FaultReport {
	var f *vm.Fault
	if errors.As(err, &f) {
		return session.NewFaultReport(f)
	}
	var iv *sim.InvariantViolation
	if errors.As(err, &iv) {
		return &session.FaultReport{Kind: InvariantKind, Index: -1, Message: iv.Error()}
	}
	return &session.FaultReport{Kind: "Error", Index: -1, Message: err.Error()}
}
