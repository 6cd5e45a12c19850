package scenario

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/sim/swarm"
)

// SeedRange is a range of seeds, both ends included.
type SeedRange struct{ From, To uint64 }

// Count is how many seeds the range holds.
func (r SeedRange) Count() uint64 { return r.To - r.From + 1 }

// String is the range as A..B.
func (r SeedRange) String() string { return fmt.Sprintf("%d..%d", r.From, r.To) }

// ParseSeedRange reads A..B. The error says what is wrong, for the
// caller to prefix with where the text came from.
func ParseSeedRange(s string) (SeedRange, error) {
	a, b, ok := strings.Cut(s, "..")
	if !ok {
		return SeedRange{}, errors.New("want A..B, the first and last seed")
	}
	from, err1 := strconv.ParseUint(strings.TrimSpace(a), 10, 64)
	to, err2 := strconv.ParseUint(strings.TrimSpace(b), 10, 64)
	switch {
	case err1 != nil || err2 != nil:
		return SeedRange{}, errors.New("want two whole numbers A..B")
	case from > to:
		return SeedRange{}, errors.New("the first seed is after the last")
	case from == 0 && to == ^uint64(0):
		return SeedRange{}, errors.New("that is every seed there is")
	}
	return SeedRange{from, to}, nil
}

// SeedOutcome is one seed's simulation, or why it could not run.
type SeedOutcome struct {
	Seed    uint64
	Outcome *sim.Outcome
	Err     error
}

// SweepConfig is a seed sweep.
type SweepConfig struct {
	Seeds SeedRange
	// Parallel is how many seeds to simulate at once (at least 1, at most
	// 1024 or the range's size).
	Parallel int
	// Simulate runs one seed (Scenario.Simulate); it is called from
	// Parallel goroutines at once.
	Simulate func(ctx context.Context, seed uint64) (*sim.Outcome, error)
}

// Sweep simulates every seed of cfg.Seeds, cfg.Parallel at a time (each
// simulation is independent: its own agents, state and virtual clock, so
// running several at once changes nothing in any of them), and sends the
// outcomes in seed order, closing the channel after the last. Once ctx
// ends, workers stop taking seeds, and the channel closes after the seeds
// already done; a simulation still going then fails its runs with the
// cancellation, so nothing after it is sent. The caller must drain the
// channel (or cancel ctx and drain it) for the goroutines to end.
func Sweep(ctx context.Context, cfg SweepConfig) <-chan SeedOutcome {
	r := cfg.Seeds
	n := max(1, min(cfg.Parallel, int(min(r.Count(), 1024))))
	seeds := make(chan uint64)
	done := make(chan SeedOutcome)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seed := range seeds {
				out, err := cfg.Simulate(ctx, seed)
				done <- SeedOutcome{seed, out, err}
			}
		}()
	}
	go func() {
		defer close(seeds)
		for seed := r.From; ; seed++ {
			select {
			case seeds <- seed:
			case <-ctx.Done():
				return
			}
			if seed == r.To {
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(done)
	}()
	ordered := make(chan SeedOutcome)
	go func() {
		defer close(ordered)
		pending := map[uint64]SeedOutcome{}
		next := r.From
		for res := range done {
			pending[res.Seed] = res
			for {
				res, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				next++
				if ctx.Err() == nil {
					ordered <- res
				}
			}
		}
	}()
	return ordered
}

// SweepReport sums up a sweep; its JSON form is what `simulate --seeds
// --json` prints.
type SweepReport struct {
	Deployment string       `json:"deployment"`
	File       string       `json:"file"`
	Seeds      string       `json:"seeds"` // A..B
	Simulated  uint64       `json:"simulated"`
	OK         uint64       `json:"ok"`
	Failed     uint64       `json:"failed"`
	Distinct   int          `json:"distinct_bundles"` // distinct bundle hashes among the seeds
	ElapsedMs  int64        `json:"elapsed_ms"`
	Failures   []*Report    `json:"failures"`
	Results    []SeedResult `json:"results"`
	// Coverage counts, per fault kind scheduled in at least one seed, the
	// seeds that scheduled it and those in which it fired.
	Coverage swarm.CoverageTable `json:"coverage"`
	// Shrunk is the first failing seed's schedule shrunk, when the
	// caller shrank it (simulate does unless --no-shrink).
	Shrunk *ShrinkReport `json:"shrunk,omitempty"`
	seeds  SeedRange
	hashes map[string]bool
}

// Interrupted reports whether fewer seeds were simulated than the range holds.
func (rep *SweepReport) Interrupted() bool { return rep.Simulated < rep.seeds.Count() }

// SeedResult is one seed of a sweep.
type SeedResult struct {
	Seed       uint64 `json:"seed"`
	Status     string `json:"status"`
	BundleHash string `json:"bundle_hash"`
	VirtualMs  int64  `json:"virtual_ms"`
}

// NewSweepReport starts the report of sweeping r over sc.
func (sc *Scenario) NewSweepReport(r SeedRange) *SweepReport {
	return &SweepReport{Deployment: sc.Deployment.Name, File: sc.File, Seeds: r.String(), Failures: []*Report{}, Coverage: swarm.CoverageTable{}, seeds: r, hashes: map[string]bool{}}
}

// Add counts one seed's report, in seed order.
func (rep *SweepReport) Add(o *Report) {
	rep.Simulated++
	rep.hashes[o.BundleHash] = true
	rep.Distinct = len(rep.hashes)
	rep.Results = append(rep.Results, SeedResult{Seed: o.Seed, Status: o.Status, BundleHash: o.BundleHash, VirtualMs: o.VirtualMs})
	rep.Coverage.Add(o.Coverage, rep.Simulated)
	if o.Status == "ok" {
		rep.OK++
		return
	}
	rep.Failed++
	rep.Failures = append(rep.Failures, o)
}

// SeedError is a seed whose simulation could not be built or driven (a
// plugin's config block the host rejects, say): the deployment cannot be
// simulated, whatever the seed.
type SeedError struct {
	Seed uint64
	Err  error
}

func (e *SeedError) Error() string { return fmt.Sprintf("seed %d: %v", e.Seed, e.Err) }

func (e *SeedError) Unwrap() error { return e.Err }

// SweepSeeds simulates every seed of r over the scenario, parallel at a
// time (Sweep), adds each seed's Report to the sweep's report in seed
// order and then calls each with both (each may set Report.Reproduce).
// The first seed that cannot be simulated stops the sweep, and its error
// is a *SeedError. A sweep cut short by ctx returns the report so far
// (Interrupted). ElapsedMs is the sweep's wall-clock time.
func (sc *Scenario) SweepSeeds(ctx context.Context, r SeedRange, parallel int, each func(*Report, *SweepReport)) (*SweepReport, error) {
	rep := sc.NewSweepReport(r)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	var failure error
	for res := range Sweep(ctx, SweepConfig{Seeds: r, Parallel: parallel, Simulate: sc.Simulate}) {
		if res.Err != nil {
			if failure == nil {
				failure = &SeedError{Seed: res.Seed, Err: res.Err}
				cancel() // the deployment cannot be simulated: stop the other seeds
			}
			continue
		}
		o := sc.Report(res.Seed, res.Outcome)
		rep.Add(o)
		if each != nil {
			each(o, rep)
		}
	}
	rep.ElapsedMs = time.Since(start).Milliseconds()
	return rep, failure
}
