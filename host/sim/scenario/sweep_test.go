package scenario_test

import (
	"context"
	"testing"

	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/sim/scenario"
)

// TestSweepReportsInSeedOrder: however many workers run, outcomes come in
// seed order, each seed once.
func TestSweepReportsInSeedOrder(t *testing.T) {
	t.Parallel()
	r, err := scenario.ParseSeedRange("3..40")
	if err != nil {
		t.Fatal(err)
	}
	next := r.From
	for res := range scenario.Sweep(context.Background(), scenario.SweepConfig{Seeds: r, Parallel: 8,
		Simulate: func(ctx context.Context, seed uint64) (*sim.Outcome, error) {
			return &sim.Outcome{VirtualMs: int64(seed)}, nil
		}}) {
		if res.Seed != next || res.Outcome.VirtualMs != int64(next) {
			t.Fatalf("got seed %d, want %d", res.Seed, next)
		}
		next++
	}
	if next != r.To+1 {
		t.Errorf("stopped at %d", next)
	}
	for _, bad := range []string{"5", "5..1", "a..b", "0..18446744073709551615"} {
		if _, err := scenario.ParseSeedRange(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestSweepStopsWhenCancelled: once the context ends, no outcome after
// the cancellation is sent, and the channel closes.
func TestSweepStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	for range scenario.Sweep(ctx, scenario.SweepConfig{Seeds: scenario.SeedRange{From: 1, To: 1000}, Parallel: 2,
		Simulate: func(ctx context.Context, seed uint64) (*sim.Outcome, error) {
			if seed == 5 {
				cancel()
			}
			return &sim.Outcome{}, ctx.Err()
		}}) {
		n++
	}
	if n > 5 {
		t.Errorf("%d outcomes after cancelling at seed 5", n)
	}
}
