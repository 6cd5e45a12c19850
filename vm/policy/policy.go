package policy

import (
	"fmt"
	"strings"
)

// DefaultStepMultiplier scales the step budget of a protocol whose
// declaration and execution policy name no multiplier.
const DefaultStepMultiplier = 4

// Scheduler names a scheduler policy.
type Scheduler string

// The scheduler policies (AURA-SPEC §8).
const (
	// RoundRobin gives each live coroutine a turn in order, whether or not
	// its next instruction can run (a blocked turn changes nothing).
	RoundRobin Scheduler = "aura.vm.scheduler.round_robin"
	// PriorityAging runs the enabled coroutine with the highest score, the
	// score being its base priority plus the rounds it has waited.
	PriorityAging Scheduler = "aura.vm.scheduler.priority_aging"
	// ProgressAware runs the first coroutine, in role order, whose next
	// instruction can actually run.
	ProgressAware Scheduler = "aura.vm.scheduler.progress_aware"
)

var policies = []Scheduler{RoundRobin, PriorityAging, ProgressAware}

// Schedulers returns the scheduler policies.
func Schedulers() []Scheduler { return append([]Scheduler(nil), policies...) }

// ParseScheduler accepts a policy's full name or its last segment
// ("round_robin").
func ParseScheduler(s string) (Scheduler, error) {
	for _, p := range policies {
		if string(p) == s || strings.TrimPrefix(string(p), "aura.vm.scheduler.") == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("scheduler %q is not one of %s, %s, %s", s, RoundRobin, PriorityAging, ProgressAware)
}

// Signals are the runtime signals the host passes when a session
// is admitted; SelectScheduler turns them into a policy.
type Signals struct {
	// GuardContention: other sessions hold or wait for the guards this
	// protocol acquires.
	GuardContention bool
	// FlowBudgetPressure is the spent share of the tightest flow budget
	// the session charges, in percent (0-100).
	FlowBudgetPressure int
	// Heavy marks a heavy protocol class (sync, DKG, consensus fallback).
	Heavy bool
}

// SelectScheduler is the platform's rule: priority-aging under guard
// contention or flow-budget pressure of 75 % or more, progress-aware for
// heavy protocols, round-robin otherwise.
func SelectScheduler(s Signals) Scheduler {
	switch {
	case s.GuardContention || s.FlowBudgetPressure >= 75:
		return PriorityAging
	case s.Heavy:
		return ProgressAware
	}
	return RoundRobin
}

// Execution fixes, for one protocol class, whether the class is
// heavy (for scheduler selection), how much of a run the trace captures,
// and how generous the step budget is.
type Execution struct {
	Name           string
	Heavy          bool
	Capture        Granularity
	StepMultiplier int
}

var executionPolicies = []Execution{
	{Name: "aura.vm.prod.default", Capture: TopologyOnly, StepMultiplier: DefaultStepMultiplier},
	{Name: "aura.vm.recovery_grant.prod", Capture: Full, StepMultiplier: DefaultStepMultiplier},
	{Name: "aura.vm.dkg_ceremony.prod", Heavy: true, Capture: Full, StepMultiplier: 4 * DefaultStepMultiplier},
	{Name: "aura.vm.sync_anti_entropy.prod", Heavy: true, Capture: TopologyOnly, StepMultiplier: 16 * DefaultStepMultiplier},
	{Name: "aura.vm.consensus_fast_path.prod", Capture: TopologyOnly, StepMultiplier: DefaultStepMultiplier},
	{Name: "aura.vm.consensus_fallback.prod", Heavy: true, Capture: Full, StepMultiplier: 4 * DefaultStepMultiplier},
}

// LookupExecution returns the named execution policy.
func LookupExecution(name string) (Execution, bool) {
	for _, p := range executionPolicies {
		if p.Name == name {
			return p, true
		}
	}
	return Execution{}, false
}

func ExecutionNames() []string {
	out := make([]string, len(executionPolicies))
	for i, p := range executionPolicies {
		out[i] = p.Name
	}
	return out
}
