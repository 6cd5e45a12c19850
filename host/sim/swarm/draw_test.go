package swarm_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/sim/swarm"
)

// Drawn partitions keep clear of the written ones: a heal removes every
// partition, so a drawn one over a written one would end it early.
func TestDrawnPartitionsKeepClearOfWrittenOnes(t *testing.T) {
	sw := &config.Swarm{Partitions: 3, PartitionLength: config.Span{Min: 50 * time.Millisecond, Max: 200 * time.Millisecond},
		Window: config.Span{Min: 0, Max: 400 * time.Millisecond}}
	written := []*config.Fault{
		{Kind: config.FaultPartition, At: 100 * time.Millisecond, Between: []string{"a", "b"}, HealAfter: 100 * time.Millisecond},
		{Kind: config.FaultPartition, At: 600 * time.Millisecond, Between: []string{"a", "c"}}, // never heals
	}
	drew := 0
	for seed := uint64(1); seed <= 200; seed++ {
		for _, f := range swarm.Draw(sw, []string{"a", "b", "c"}, nil, written, seed) {
			if f.Kind != config.FaultPartition {
				continue
			}
			drew++
			from, to := f.At, f.At+f.HealAfter
			if f.HealAfter < time.Millisecond || (from < 200*time.Millisecond && to > 100*time.Millisecond) || to > 600*time.Millisecond {
				t.Fatalf("seed %d drew a partition from %v to %v, over a written one (100ms–200ms, and 600ms on)", seed, from, to)
			}
		}
	}
	if drew == 0 {
		t.Fatal("200 seeds drew no partition")
	}
}

// The new kinds' draws stay within their bounds, and adding their bounds
// leaves the earlier kinds' draws as they were.
func TestDrawnReorderStorageAndSkewStayInBounds(t *testing.T) {
	base := config.Swarm{Drop: 0.2, Delay: config.Span{Max: 20 * time.Millisecond}, Partitions: 1,
		PartitionLength: config.Span{Min: 10 * time.Millisecond, Max: 50 * time.Millisecond},
		Window:          config.Span{Max: 300 * time.Millisecond}}
	more := base
	more.Reorder, more.ReorderHold = 0.5, config.Span{Min: 10 * time.Millisecond, Max: 40 * time.Millisecond}
	more.StorageFailure, more.StorageFailureLength = 0.3, config.Span{Min: 10 * time.Millisecond, Max: 60 * time.Millisecond}
	more.ClockSkew = config.Span{Min: 5 * time.Millisecond, Max: 90 * time.Millisecond}
	agents := []string{"a", "b", "c"}
	drawn := map[string]int{}
	for seed := uint64(1); seed <= 200; seed++ {
		var old []*config.Fault
		for _, f := range swarm.Draw(&more, agents, nil, nil, seed) {
			drawn[f.Kind]++
			switch f.Kind {
			case config.FaultReorder:
				if f.Rate <= 0 || f.Rate > 0.5 || f.Hold < 10*time.Millisecond || f.Hold > 40*time.Millisecond {
					t.Fatalf("seed %d: reorder rate %v hold %v", seed, f.Rate, f.Hold)
				}
			case config.FaultStorageFailure:
				if f.Rate <= 0 || f.Rate > 0.3 || f.Duration < 10*time.Millisecond || f.Duration > 60*time.Millisecond ||
					(f.Agent != "" && !slices.Contains(agents, f.Agent)) {
					t.Fatalf("seed %d: storage failure %+v", seed, f)
				}
			case config.FaultClockSkew:
				if off := max(f.Offset, -f.Offset); off < 5*time.Millisecond || off > 90*time.Millisecond || !slices.Contains(agents, f.Agent) {
					t.Fatalf("seed %d: clock skew of %q by %v", seed, f.Agent, f.Offset)
				}
			default:
				old = append(old, f)
			}
			if f.At > 300*time.Millisecond {
				t.Fatalf("seed %d: %s starts at %v, past the window", seed, f.Kind, f.At)
			}
		}
		if want := swarm.Draw(&base, agents, nil, nil, seed); !reflect.DeepEqual(old, want) {
			t.Fatalf("seed %d: the earlier kinds drew %v with the new bounds, %v without", seed, old, want)
		}
	}
	for _, kind := range []string{config.FaultReorder, config.FaultStorageFailure, config.FaultClockSkew} {
		if drawn[kind] < 50 {
			t.Errorf("%s drawn in %d of 200 seeds, want about half", kind, drawn[kind])
		}
	}
}

// The swarm draws plugin crashes within its bounds — at most plugin_crash
// per seed, each of a listed agent and plugin, inside the window — in
// some seeds and not others, and adding the bound leaves every earlier
// kind's draws as they were.
func TestSwarmDrawsPluginCrashesInBounds(t *testing.T) {
	agents, owned := []string{"a", "b", "c"}, []string{"crypto", "journal", "random"}
	base := config.Swarm{Drop: 0.1, Duplicate: 0.05, Delay: config.Span{Max: 20 * time.Millisecond}, Partitions: 2,
		PartitionLength: config.DefaultSwarmPartitionLength, Crash: 1, CrashLength: config.DefaultSwarmCrashLength,
		Reorder: 0.5, ReorderHold: config.DefaultSwarmReorderHold, StorageFailure: 0.2, StorageFailureLength: config.DefaultSwarmStorageLength,
		ClockSkew: config.Span{Min: time.Millisecond, Max: 50 * time.Millisecond}, Window: config.DefaultSwarmWindow}
	more := base
	more.PluginCrash = 2
	with, counts := 0, map[int]int{}
	for seed := uint64(1); seed <= 400; seed++ {
		drawn := swarm.Draw(&more, agents, owned, nil, seed)
		var others, crashes []*config.Fault
		for _, f := range drawn {
			if f.Kind == config.FaultPluginCrash {
				crashes = append(crashes, f)
			} else {
				others = append(others, f)
			}
		}
		counts[len(crashes)]++
		if len(crashes) > 0 {
			with++
		}
		for _, f := range crashes {
			if !slices.Contains(agents, f.Agent) || !slices.Contains(owned, f.Plugin) || f.At < more.Window.Min || f.At > more.Window.Max {
				t.Fatalf("seed %d: drawn %+v out of bounds", seed, f)
			}
		}
		if want := swarm.Draw(&base, agents, owned, nil, seed); fmt.Sprint(describe(others)) != fmt.Sprint(describe(want)) {
			t.Fatalf("seed %d: the plugin_crash bound changed the other draws:\n%v\n%v", seed, describe(others), describe(want))
		}
		if len(swarm.Draw(&more, agents, nil, nil, seed)) != len(others) {
			t.Fatalf("seed %d: a plugin crash was drawn with no plugin to crash", seed)
		}
	}
	if counts[0] == 0 || counts[1] == 0 || counts[2] == 0 || len(counts) != 3 {
		t.Fatalf("plugin crashes per seed over 400 seeds: %v, want some seeds with 0, 1 and 2 and none with more", counts)
	}
	t.Logf("plugin crashes per seed: %v", counts)
}

// describe is a schedule as comparable text.
func describe(fs []*config.Fault) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s@%v %s %v %v", f.Kind, f.At, f.Agent, f.Between, f.Rate))
	}
	return out
}
