package scenario_test

import (
	"errors"
	"testing"

	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/sim/scenario"
	"github.com/aurahost/aura-host/host/sim/swarm"
	"github.com/aurahost/aura-host/vm"
)

// An outcome fails with its violated invariant, else with its first
// failed run and that run's fault kind ("error" for a failure that is no
// VM fault); an outcome with neither did not fail.
func TestFailureOf(t *testing.T) {
	t.Parallel()
	timeout := &vm.Fault{Kind: vm.FaultTimeout, Message: "stalled"}
	for _, c := range []struct {
		name   string
		out    *sim.Outcome
		want   swarm.Failure
		failed bool
	}{
		{"passed", &sim.Outcome{Runs: []*sim.RunResult{{Name: "a"}, {Name: "b"}}}, swarm.Failure{}, false},
		{"fault", &sim.Outcome{Runs: []*sim.RunResult{{Name: "a"}, {Name: "b", Err: timeout}, {Name: "c", Err: errors.New("x")}}},
			swarm.Failure{Run: "b", Kind: "Timeout"}, true},
		{"error", &sim.Outcome{Runs: []*sim.RunResult{{Name: "a", Err: errors.New("cannot start")}}}, swarm.Failure{Run: "a", Kind: "error"}, true},
		{"invariant", &sim.Outcome{Runs: []*sim.RunResult{{Name: "a", Err: timeout}}, Violation: &sim.InvariantViolation{Invariant: "receipt_once"}},
			swarm.Failure{Invariant: "receipt_once"}, true},
	} {
		if got, failed := scenario.FailureOf(c.out); got != c.want || failed != c.failed {
			t.Errorf("%s: FailureOf = %v, %v; want %v, %v", c.name, got, failed, c.want, c.failed)
		}
	}
}
