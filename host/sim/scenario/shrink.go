package scenario

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/sim/swarm"
	"github.com/aurahost/aura-host/vm"
)

// FailureOf is how o failed; false when it did not.
func FailureOf(o *sim.Outcome) (swarm.Failure, bool) {
	if o.Violation != nil {
		return swarm.Failure{Invariant: o.Violation.Invariant}, true
	}
	for _, r := range o.Runs {
		if r.Err == nil {
			continue
		}
		kind := "error"
		var f *vm.Fault
		if errors.As(r.Err, &f) {
			kind = f.Kind.String()
		}
		return swarm.Failure{Run: r.Name, Kind: kind}, true
	}
	return swarm.Failure{}, false
}

// Shrink minimises the schedule of seed, whose simulation out failed:
// the deployment's fault blocks and the faults the seed drew, replayed
// with SimulateSchedule (swarm.Shrink), keeping out's failure. The result's
// Outcome is the simulation of the schedule it kept.
func (sc *Scenario) Shrink(ctx context.Context, seed uint64, out *sim.Outcome, budget int, progress func(swarm.ShrinkProgress)) (*swarm.Shrunk[*sim.Outcome], error) {
	want, failed := FailureOf(out)
	if !failed {
		return nil, fmt.Errorf("seed %d did not fail: nothing to shrink", seed)
	}
	return swarm.Shrink(ctx, swarm.ShrinkConfig[*sim.Outcome]{Seed: seed, Faults: append(slices.Clone(sc.Deployment.Faults), out.Drawn...),
		Want: want, Budget: budget, Simulate: sc.trial, Progress: progress})
}

// trial simulates seed with faults as its whole schedule
// (SimulateSchedule), as the shrinker judges it.
func (sc *Scenario) trial(ctx context.Context, seed uint64, faults []*config.Fault) (swarm.Trial[*sim.Outcome], error) {
	out, err := sc.SimulateSchedule(ctx, seed, faults)
	if err != nil {
		return swarm.Trial[*sim.Outcome]{}, err
	}
	failure, failed := FailureOf(out)
	return swarm.Trial[*sim.Outcome]{Outcome: out, Failure: failure, Failed: failed, EndMs: out.VirtualMs}, nil
}
