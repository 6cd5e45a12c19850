package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/vm"
)

// Shrinking: a failing seed's fault schedule is minimised to the smallest
// that still fails the same way, re-simulating the same seed with each
// candidate schedule (Scenario.SimulateSchedule: the schedule is the
// whole of it, the deployment's fault blocks included, so a written fault
// the failure does not need is dropped too). The search is greedy and
// deterministic — candidates are tried in a fixed order and the first
// that still fails is kept — so a seed shrinks to the same schedule every
// time:
//
//  1. drop faults: halves of the schedule, then quarters, down to one
//     fault at a time (delta debugging's chunks);
//  2. simplify each fault that is left: partitions and crashes shorter
//     (halved toward 1ms), partitions between fewer agents, crashes and
//     plugin crashes later (half way to the failure), rates lower (halved toward 0.001),
//     delays smaller (halved toward 1ms, the minimum toward 0), limited
//     drops, duplicates and storage failures shorter;
//
// and again from 1, until a whole pass changes nothing or the budget of
// simulations is spent.

// DefaultShrinkBudget is how many simulations a shrink runs at most when
// ShrinkConfig.Budget is 0.
const DefaultShrinkBudget = 200

// ErrNotReproduced is returned by Shrink when the schedule it was given
// does not fail (or fails another way) when replayed: there is nothing to
// shrink, and the simulation is not deterministic if the seed failed
// before.
var ErrNotReproduced = errors.New("the schedule replayed does not fail the same way")

// Failure is the way a simulation failed, which a shrunk schedule keeps:
// the invariant violated or, without one, the first failed run and the
// kind of its fault.
type Failure struct {
	// Invariant names the violated invariant; empty for a run failure.
	Invariant string `json:"invariant,omitempty"`
	// Run and Kind are the first failed run and its fault's kind (a
	// vm.FaultKind's name, or "error" for a failure that is not a VM
	// fault); empty for an invariant violation.
	Run  string `json:"run,omitempty"`
	Kind string `json:"kind,omitempty"`
}

func (f Failure) String() string {
	if f.Invariant != "" {
		return fmt.Sprintf("invariant %q violated", f.Invariant)
	}
	return fmt.Sprintf("run %q failed with %s", f.Run, f.Kind)
}

// FailureOf is how o failed; false when it did not.
func FailureOf(o *Outcome) (Failure, bool) {
	if o.Violation != nil {
		return Failure{Invariant: o.Violation.Invariant}, true
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
		return Failure{Run: r.Name, Kind: kind}, true
	}
	return Failure{}, false
}

// ShrinkConfig is a shrink of one failing seed's schedule.
type ShrinkConfig struct {
	Seed uint64
	// Faults is the failing schedule, whole: the deployment's fault blocks
	// and the seed's drawn faults.
	Faults []*config.Fault
	// Want is the failure to keep; when zero, the failure of Faults
	// replayed is kept.
	Want Failure
	// Budget bounds the simulations (DefaultShrinkBudget when 0), the
	// first replay included.
	Budget int
	// Simulate runs Seed with a whole schedule (Scenario.SimulateSchedule).
	Simulate func(ctx context.Context, seed uint64, faults []*config.Fault) (*Outcome, error)
	// Progress, when set, is called after every simulation.
	Progress func(ShrinkProgress)
}

// ShrinkProgress is how far a shrink has gone.
type ShrinkProgress struct {
	Simulations, Budget int
	// Faults is the size of the smallest failing schedule so far.
	Faults int
}

// Shrunk is a shrink's result: the smallest failing schedule found, and
// the simulation of Seed with it.
type Shrunk struct {
	Seed    uint64
	Faults  []*config.Fault
	Failure Failure
	// Outcome is the simulation of Seed with Faults, whose bundle the
	// reproduce command gives again byte for byte.
	Outcome *Outcome
	// Original is how many faults the failing schedule had.
	Original    int
	Simulations int
	// Exhausted is set when the budget ran out before a fixpoint: a
	// smaller schedule may exist.
	Exhausted bool
}

// shrinker is one shrink under way.
type shrinker struct {
	ctx   context.Context
	cfg   ShrinkConfig
	best  *Shrunk
	spent bool // the budget is spent
}

// Shrink minimises cfg.Faults to a schedule with which cfg.Seed still
// fails the same way. ctx ending stops it with ctx's error; a simulation
// that cannot run stops it with that error.
func Shrink(ctx context.Context, cfg ShrinkConfig) (*Shrunk, error) {
	if cfg.Budget <= 0 {
		cfg.Budget = DefaultShrinkBudget
	}
	out, err := cfg.Simulate(ctx, cfg.Seed, cfg.Faults)
	if err != nil {
		return nil, err
	}
	got, failed := FailureOf(out)
	if !failed || (cfg.Want != Failure{} && got != cfg.Want) {
		return nil, fmt.Errorf("seed %d with its %d faults: %w (want %v, got %v)", cfg.Seed, len(cfg.Faults), ErrNotReproduced, cfg.Want, describe(got, failed))
	}
	s := &shrinker{ctx: ctx, cfg: cfg, best: &Shrunk{Seed: cfg.Seed, Faults: cfg.Faults, Failure: got, Outcome: out,
		Original: len(cfg.Faults), Simulations: 1}}
	s.progress()
	for changed := true; changed && !s.spent; {
		changed = s.dropFaults()
		for i := 0; i < len(s.best.Faults) && !s.spent; i++ {
			changed = s.simplify(i) || changed
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	s.best.Exhausted = s.spent
	return s.best, nil
}

func describe(f Failure, failed bool) string {
	if !failed {
		return "no failure"
	}
	return f.String()
}

// try simulates the seed with faults and keeps them when it fails the
// same way.
func (s *shrinker) try(faults []*config.Fault) bool {
	if s.best.Simulations >= s.cfg.Budget || s.ctx.Err() != nil {
		s.spent = true
		return false
	}
	out, err := s.cfg.Simulate(s.ctx, s.cfg.Seed, faults)
	s.best.Simulations++
	defer s.progress()
	if s.ctx.Err() != nil {
		// Cut short, its runs failed with the cancellation: not a failure
		// of the schedule.
		s.spent = true
		return false
	}
	if err != nil {
		return false // a candidate that cannot run is not a smaller failure
	}
	if got, failed := FailureOf(out); !failed || got != s.best.Failure {
		return false
	}
	s.best.Faults, s.best.Outcome = faults, out
	return true
}

func (s *shrinker) progress() {
	if s.cfg.Progress != nil {
		s.cfg.Progress(ShrinkProgress{Simulations: s.best.Simulations, Budget: s.cfg.Budget, Faults: len(s.best.Faults)})
	}
}

// dropFaults removes chunks of the schedule, halves first, then quarters,
// down to single faults, keeping each removal that still fails.
func (s *shrinker) dropFaults() bool {
	changed := false
	for size := max(1, len(s.best.Faults)/2); ; size = max(1, size/2) {
		for i := 0; i < len(s.best.Faults) && !s.spent; {
			end := min(i+size, len(s.best.Faults))
			if s.try(slices.Delete(slices.Clone(s.best.Faults), i, end)) {
				changed = true
				continue // the next chunk now starts at i
			}
			i = end
		}
		if size == 1 || s.spent {
			return changed
		}
	}
}

// simplify replaces fault i with simpler versions of itself while the
// seed still fails.
func (s *shrinker) simplify(i int) bool {
	changed := false
	for !s.spent {
		kept := false
		for _, c := range simpler(s.best.Faults[i], s.best.Outcome.VirtualMs) {
			next := slices.Clone(s.best.Faults)
			next[i] = c
			if s.try(next) {
				kept, changed = true, true
				break
			}
			if s.spent {
				break
			}
		}
		if !kept {
			return changed
		}
	}
	return changed
}

// simpler are the one-step simplifications of f, in the order tried;
// endMs is when the failing simulation ended (a crash moves toward it).
func simpler(f *config.Fault, endMs int64) []*config.Fault {
	var out []*config.Fault
	edit := func(change func(c *config.Fault)) {
		c := *f
		c.Between = slices.Clone(f.Between)
		change(&c)
		out = append(out, &c)
	}
	switch f.Kind {
	case config.FaultPartition:
		if d, ok := halved(f.HealAfter, time.Millisecond); ok {
			edit(func(c *config.Fault) { c.HealAfter = d })
		}
		for j := len(f.Between) - 1; j >= 1 && len(f.Between) > 2; j-- {
			edit(func(c *config.Fault) { c.Between = slices.Delete(c.Between, j, j+1) })
		}
	case config.FaultClockSkew:
		if d := (f.Offset / 2).Truncate(time.Millisecond); d != 0 && d != f.Offset {
			edit(func(c *config.Fault) { c.Offset = d })
		}
	case config.FaultCrash, config.FaultPluginCrash:
		if d, ok := halved(f.RestartAfter, time.Millisecond); ok && f.Kind == config.FaultCrash {
			edit(func(c *config.Fault) { c.RestartAfter = d })
		}
		end := time.Duration(endMs) * time.Millisecond
		if later := f.At + (end-f.At)/2; later-f.At >= time.Millisecond {
			edit(func(c *config.Fault) { c.At = later.Truncate(time.Millisecond) })
		}
	case config.FaultDelay:
		if d, ok := halved(f.Max, time.Millisecond); ok {
			edit(func(c *config.Fault) { c.Max, c.Min = d, min(c.Min, d) })
		}
		if d, ok := halved(f.Min, 0); ok {
			edit(func(c *config.Fault) { c.Min = d })
		}
	case config.FaultReorder:
		if d, ok := halved(f.Hold, time.Millisecond); ok {
			edit(func(c *config.Fault) { c.Hold = d })
		}
		fallthrough
	case config.FaultDrop, config.FaultDuplicate, config.FaultStorageFailure:
		if pm := int64(math.Round(f.Rate * 1000)); pm > 1 {
			edit(func(c *config.Fault) { c.Rate = float64(pm/2) / 1000 })
		}
	}
	if f.Kind != config.FaultPartition && f.Kind != config.FaultCrash && f.Kind != config.FaultPluginCrash {
		if d, ok := halved(f.Duration, time.Millisecond); ok {
			edit(func(c *config.Fault) { c.Duration = d })
		}
	}
	return out
}

// halved is d halved to whole milliseconds, no lower than floor; false
// when that changes nothing.
func halved(d, floor time.Duration) (time.Duration, bool) {
	h := max(floor, (d / 2).Truncate(time.Millisecond))
	return h, h < d
}

// Shrink minimises the schedule of seed, whose simulation out failed:
// the deployment's fault blocks and the faults the seed drew, replayed
// with SimulateSchedule, keeping out's failure.
func (sc *Scenario) Shrink(ctx context.Context, seed uint64, out *Outcome, budget int, progress func(ShrinkProgress)) (*Shrunk, error) {
	want, failed := FailureOf(out)
	if !failed {
		return nil, fmt.Errorf("seed %d did not fail: nothing to shrink", seed)
	}
	return Shrink(ctx, ShrinkConfig{Seed: seed, Faults: append(slices.Clone(sc.Deployment.Faults), out.Drawn...),
		Want: want, Budget: budget, Simulate: sc.SimulateSchedule, Progress: progress})
}
