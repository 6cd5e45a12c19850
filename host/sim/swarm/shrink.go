package swarm

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aurahost/aura-host/config"
)

// Shrinking: a failing seed's fault schedule is minimised to the smallest
// that still fails the same way, re-simulating the same seed with each
// candidate schedule (the schedule is the whole of it, the deployment's
// fault blocks included, so a written fault the failure does not need is
// dropped too). The search is greedy and deterministic — candidates are
// tried in a fixed order and the first that still fails is kept — so a
// seed shrinks to the same schedule every time:
//
//  1. drop faults: halves of the schedule, then quarters, down to one
//     fault at a time (delta debugging's chunks);
//  2. simplify each fault that is left (simpler): partitions and crashes
//     shorter, partitions between fewer agents, crashes and plugin
//     crashes later, rates lower, delays smaller, limited drops,
//     duplicates and storage failures shorter;
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

// Trial is one simulation of a schedule as the shrinker judges it: how it
// failed, and when it ended (a crash is moved toward that end). Outcome is
// the caller's own record of the simulation (host/sim's *Outcome, with its
// bundle), carried to the Shrunk of the schedule kept; the shrinker never
// looks into it.
type Trial[O any] struct {
	Outcome O
	// Failure is how the simulation failed; Failed is false when it did
	// not, Failure then zero.
	Failure Failure
	Failed  bool
	// EndMs is the virtual time at which the simulation ended.
	EndMs int64
}

// ShrinkConfig is a shrink of one failing seed's schedule.
type ShrinkConfig[O any] struct {
	Seed uint64
	// Faults is the failing schedule, whole: the deployment's fault blocks
	// and the seed's drawn faults. Shrink never changes it.
	Faults []*config.Fault
	// Want is the failure to keep; when zero, the failure of Faults
	// replayed is kept.
	Want Failure
	// Budget bounds the simulations (DefaultShrinkBudget when 0), the
	// first replay included.
	Budget int
	// Simulate runs Seed with a whole schedule. An error is a schedule
	// that cannot run: no smaller failure, and on the first replay the
	// end of the shrink.
	Simulate func(ctx context.Context, seed uint64, faults []*config.Fault) (Trial[O], error)
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
type Shrunk[O any] struct {
	Seed    uint64
	Faults  []*config.Fault
	Failure Failure
	// Outcome is the Trial's of Faults: the simulation whose bundle the
	// reproduce command gives again byte for byte.
	Outcome O
	// Original is how many faults the failing schedule had.
	Original    int
	Simulations int
	// Exhausted is set when the budget ran out before a fixpoint: a
	// smaller schedule may exist.
	Exhausted bool
}

// shrinker is one shrink under way.
type shrinker[O any] struct {
	ctx   context.Context
	cfg   ShrinkConfig[O]
	best  *Shrunk[O]
	endMs int64 // when the simulation of best.Faults ended
	spent bool  // the budget is spent
}

// Shrink minimises cfg.Faults to a schedule with which cfg.Seed still
// fails the same way. ctx ending stops it with ctx's error; a first replay
// that cannot run stops it with that error.
func Shrink[O any](ctx context.Context, cfg ShrinkConfig[O]) (*Shrunk[O], error) {
	if cfg.Budget <= 0 {
		cfg.Budget = DefaultShrinkBudget
	}
	first, err := cfg.Simulate(ctx, cfg.Seed, cfg.Faults)
	if err != nil {
		return nil, err
	}
	if !first.Failed || (cfg.Want != Failure{} && first.Failure != cfg.Want) {
		return nil, fmt.Errorf("seed %d with its %d faults: %w (want %v, got %v)", cfg.Seed, len(cfg.Faults), ErrNotReproduced, cfg.Want, describe(first))
	}
	s := &shrinker[O]{ctx: ctx, cfg: cfg, endMs: first.EndMs, best: &Shrunk[O]{Seed: cfg.Seed, Faults: cfg.Faults,
		Failure: first.Failure, Outcome: first.Outcome, Original: len(cfg.Faults), Simulations: 1}}
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

func describe[O any](t Trial[O]) string {
	if !t.Failed {
		return "no failure"
	}
	return t.Failure.String()
}

// try simulates the seed with faults and keeps them when it fails the
// same way.
func (s *shrinker[O]) try(faults []*config.Fault) bool {
	if s.best.Simulations >= s.cfg.Budget || s.ctx.Err() != nil {
		s.spent = true
		return false
	}
	t, err := s.cfg.Simulate(s.ctx, s.cfg.Seed, faults)
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
	if !t.Failed || t.Failure != s.best.Failure {
		return false
	}
	s.best.Faults, s.best.Outcome, s.endMs = faults, t.Outcome, t.EndMs
	return true
}

func (s *shrinker[O]) progress() {
	if s.cfg.Progress != nil {
		s.cfg.Progress(ShrinkProgress{Simulations: s.best.Simulations, Budget: s.cfg.Budget, Faults: len(s.best.Faults)})
	}
}

// dropFaults removes chunks of the schedule, halves first, then quarters,
// down to single faults, keeping each removal that still fails.
func (s *shrinker[O]) dropFaults() bool {
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
func (s *shrinker[O]) simplify(i int) bool {
	changed := false
	for !s.spent {
		kept := false
		for _, c := range simpler(s.best.Faults[i], s.endMs) {
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
