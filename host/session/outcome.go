package session

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/internal/atomicfile"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/syntax"
	"github.com/aurahost/aura-host/vm/trace"
)

// Outcome is what a hosted session ended with; its JSON form is what
// `protocol run --json` prints.
type Outcome struct {
	Protocol     string             `json:"protocol"`
	File         string             `json:"file"`
	Deployment   string             `json:"deployment"`
	DeployFile   string             `json:"deployment_file"`
	Mode         effects.Mode       `json:"mode"`
	Seed         uint64             `json:"seed"`
	Session      string             `json:"session"`
	Scheduler    string             `json:"scheduler"`
	Status       string             `json:"status"` // done or faulted
	Steps        uint64             `json:"steps"`
	Executed     uint64             `json:"executed"`
	Budget       uint64             `json:"budget"`
	HostCalls    uint64             `json:"host_calls"`
	Granularity  policy.Granularity `json:"granularity"`
	TraceEntries int                `json:"trace_entries"`
	TraceHash    string             `json:"trace_hash,omitempty"`
	Recorded     string             `json:"recorded,omitempty"` // set by Record
	Roles        []RoleOutcome      `json:"roles"`
	Fault        *FaultReport       `json:"fault,omitempty"`

	// Faulted is the session's fault itself (nil when it finished), for
	// placing it at its protocol step.
	Faulted *vm.Fault `json:"-"`
	// Trace is the session's trace (nil when tracing was disabled).
	Trace *trace.Trace `json:"-"`
}

// Record writes the session's trace to path as JSON Lines, whole or not
// at all (`protocol run --record`), and sets Recorded. A session run with
// tracing disabled recorded no trace to write.
func (o *Outcome) Record(path string) error {
	if o.Trace == nil {
		return fmt.Errorf("%s: the session recorded no trace", path)
	}
	if err := atomicfile.Write(path, o.Trace.WriteJSONL); err != nil {
		return err
	}
	o.Recorded = path
	return nil
}

// RoleOutcome is one role's part of the outcome.
type RoleOutcome struct {
	Role     string                   `json:"role"`
	Status   string                   `json:"status"`        // done, faulted or stopped
	Entries  int                      `json:"trace_entries"` // the role's entries in the trace
	Bindings map[string]effects.Value `json:"bindings"`
	// Names are the binding names in register order, for a text form.
	Names []string `json:"-"`
}

// FaultReport is a *vm.Fault for people and scripts.
type FaultReport struct {
	Kind     string `json:"kind"`
	Role     string `json:"role,omitempty"`
	Step     uint64 `json:"step"`
	Index    int    `json:"index"` // the trace index of a Determinism fault, else -1
	Position string `json:"position,omitempty"`
	Message  string `json:"message"`
}

// NewFaultReport reports f.
func NewFaultReport(f *vm.Fault) *FaultReport {
	r := &FaultReport{Kind: f.Kind.String(), Role: f.Role, Step: f.Step, Index: f.Index, Message: FaultMessage(f)}
	if f.Range.Filename != "" {
		r.Position = fmt.Sprintf("%s:%d:%d", f.Range.Filename, f.Range.Start.Line, f.Range.Start.Column)
	}
	return r
}

// FaultMessage is what the fault says beyond its kind, role and place.
func FaultMessage(f *vm.Fault) string {
	msg := f.Message
	if f.Err != nil && !strings.Contains(msg, f.Err.Error()) {
		if msg != "" {
			msg += ": "
		}
		msg += f.Err.Error()
	}
	return msg
}

// newOutcome reads the outcome off a machine that ran prog.
func newOutcome(cfg *Config, m *vm.Machine, fault *vm.Fault, calls uint64) *Outcome {
	dep := cfg.Deployment
	steps, budget := m.Steps()
	out := &Outcome{
		Protocol: cfg.Protocol.Name, File: cfg.File, Deployment: dep.Name, DeployFile: cfg.DeploymentFile, Mode: dep.Mode, Seed: dep.Seed,
		Scheduler: SchedulerName(m.Policy()), Status: m.Status().String(), Steps: steps, Executed: m.Executed(), Budget: budget,
		HostCalls: calls, Faulted: fault, Trace: m.Trace(),
	}
	entries := map[string]int{}
	if t := m.Trace(); t != nil {
		out.Session = t.Header.SessionText
		out.Granularity = t.Header.Granularity
		out.TraceEntries = len(t.Entries)
		sum := t.Hash()
		out.TraceHash = hex.EncodeToString(sum[:])
		for i := range t.Entries {
			entries[t.Entries[i].Role]++
		}
	} else {
		out.Granularity = policy.Disabled
	}
	if fault != nil {
		out.Status = "faulted"
		out.Fault = NewFaultReport(fault)
	}
	for _, rc := range cfg.Program.Roles {
		r := RoleOutcome{Role: rc.Role, Status: "done", Entries: entries[rc.Role], Bindings: map[string]effects.Value{}}
		switch {
		case fault != nil && fault.Role == rc.Role:
			r.Status = "faulted"
		case fault != nil:
			r.Status = "stopped"
		}
		r.Names, r.Bindings = Bindings(rc, m.Binding)
		out.Roles = append(out.Roles, r)
	}
	return out
}

// Bindings reads a role's final bindings through binding (a machine's, or
// a simulated run's): their names in slot order, once each, and values.
func Bindings(rc *vm.RoleCode, binding func(role, name string) (effects.Value, bool)) ([]string, map[string]effects.Value) {
	var names []string
	values := map[string]effects.Value{}
	for _, name := range rc.Slots {
		if v, ok := binding(rc.Role, name); ok {
			if _, dup := values[name]; !dup {
				names = append(names, name)
			}
			values[name] = v
		}
	}
	return names, values
}

// StepBudget is the budget a session of p gets by default (the machine
// computes the same when it starts), and the step multiplier it applies.
func StepBudget(p *syntax.Protocol, prog *vm.Program) (budget uint64, multiplier int) {
	exec, _ := policy.LookupExecution(p.Policy)
	mult := p.StepMultiplier
	if mult == 0 {
		mult = exec.StepMultiplier
	}
	if mult == 0 {
		mult = policy.DefaultStepMultiplier
	}
	depths := make([]int, len(prog.Roles))
	for i, rc := range prog.Roles {
		depths[i] = rc.Depth
	}
	return vm.Budget(depths, 0, mult), mult
}

// SchedulerName is a scheduler policy's last segment ("round_robin").
func SchedulerName(p policy.Scheduler) string {
	s := string(p)
	return s[strings.LastIndexByte(s, '.')+1:]
}
