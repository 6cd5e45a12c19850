package sim_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/plugins"
)

// guardianRecoveryWithPluginCrash is examples/simulation/deployment.hcl
// without its drawn agent crashes (a crashed agent has no plugin to
// crash) with agent's plugin crashed at atMs.
func guardianRecoveryWithPluginCrash(t testing.TB, atMs int, agent, plugin string) string {
	t.Helper()
	return exampleWithoutDrawnCrashes(t) + fmt.Sprintf(`
fault "plugin_crash" {
  at     = "%dms"
  agent  = %q
  plugin = %q
}
`, atMs, agent, plugin)
}

// A written plugin_crash of each of an agent's own plugins, mid-recovery
// (each of an agent that calls it afterwards: every agent journals its
// sends, the account verifies the approvals; the protocol's random step is
// the VM's seeded stream, not the random plugin, which
// TestPluginCrashRandomStreamDoesNotRepeat restarts instead): the
// run completes in every seed, with the example's invariants and the
// journal's committed facts kept across the restart (factKeeper reads
// them after every step); the bundle shows the restart; the fault
// fires (the restarted plugin served a call afterwards) in most seeds; and
// the same seed gives the same bundle.
func TestPluginCrashMidRecovery(t *testing.T) {
	seeds := 40
	if testing.Short() {
		seeds = 8
	}
	for _, tc := range []struct {
		agent, plugin string
		atMs          int
	}{{"g1", "journal", 60}, {"account", "journal", 60}, {"account", "crypto", 60}} {
		agent, plugin := tc.agent, tc.plugin
		t.Run(agent+"/"+plugin, func(t *testing.T) {
			dep := deployment(t, guardianRecoveryWithPluginCrash(t, tc.atMs, agent, plugin))
			fired := 0
			for seed := uint64(1); seed <= uint64(seeds); seed++ {
				keeper := &factKeeper{agent: agent}
				var hashes []string
				for range 2 {
					s, err := sim.New(context.Background(), sim.Config{Deployment: dep, Seed: seed, Builtins: plugins.Lookup,
						Logger: quietLogger(t), Invariants: []sim.Invariant{keeper.invariant()}})
					if err != nil {
						t.Fatal(err)
					}
					out, err := s.Run(context.Background())
					s.Close(context.Background())
					if err != nil {
						t.Fatalf("seed %d: %v", seed, err)
					}
					if out.Violation != nil || out.Runs[0].Err != nil {
						t.Fatalf("seed %d: violation %v, run %v\n%s", seed, out.Violation, out.Runs[0].Err, out.Bundle.Bytes())
					}
					if want := "agent " + agent + " plugin " + plugin + " restarted"; !strings.Contains(string(out.Bundle.Bytes()), want) {
						t.Fatalf("seed %d: the bundle does not say %q:\n%s", seed, want, out.Bundle.Bytes())
					}
					hashes = append(hashes, out.Bundle.Hash())
					if len(hashes) == 1 && out.Coverage[config.FaultPluginCrash] {
						fired++
					}
					keeper = &factKeeper{agent: agent}
				}
				if hashes[0] != hashes[1] {
					t.Fatalf("seed %d: two runs gave bundles %s and %s", seed, hashes[0], hashes[1])
				}
			}
			t.Logf("%s: fired in %d of %d seeds", plugin, fired, seeds)
			if fired < seeds/2 {
				t.Fatalf("%s: the crash fired in only %d of %d seeds: it falls too late to matter", plugin, fired, seeds)
			}
		})
	}
}

// A plugin crash after the run ended is scheduled and never fires: the
// restarted instance serves no call.
func TestPluginCrashAfterTheRunDoesNotFire(t *testing.T) {
	out := simulate(t, guardianRecoveryWithPluginCrash(t, 5000, "g1", "journal"), 3)
	if fired, scheduled := out.Coverage[config.FaultPluginCrash]; !scheduled || fired {
		t.Fatalf("coverage %v: want plugin_crash scheduled and not fired", out.Coverage)
	}
}

// What a restarted plugin held only in memory is gone and what it made
// durable is kept: the seeded random stream's position is memory, so the
// restarted plugin does not go on where the old one stopped, yet it does
// not start over either (its draw epoch is durable: the first draws are
// not given again, so no challenge or nonce repeats), and it is the same
// for the same seed. (The journal's committed facts surviving its restart
// is TestPluginCrashMidRecovery's factKeeper.)
func TestPluginCrashRandomStreamDoesNotRepeat(t *testing.T) {
	ctx := context.Background()
	dep := deployment(t, guardianRecoveryWithPluginCrash(t, 60, "g1", "journal"))
	draws := func(restartBetween bool) []string {
		s, err := sim.New(ctx, sim.Config{Deployment: dep, Seed: 11, Builtins: plugins.Lookup, Logger: quietLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close(ctx)
		g1 := s.Agent("g1")
		var out []string
		for i := range 4 {
			if i == 2 && restartBetween {
				if err := g1.Host().RestartPluginInProcess(ctx, "random"); err != nil {
					t.Fatal(err)
				}
			}
			v, err := g1.Invoke(ctx, effects.RandomBytes32, effects.Null())
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, v.String())
		}
		return out
	}
	plain, restarted, again := draws(false), draws(true), draws(true)
	if !slices.Equal(restarted, again) {
		t.Fatalf("the same seed and restart gave other draws:\n%v\n%v", restarted, again)
	}
	if !slices.Equal(plain[:2], restarted[:2]) {
		t.Fatalf("the draws before the restart differ from the plain run's")
	}
	for _, d := range restarted[2:] {
		if slices.Contains(plain, d) || slices.Contains(restarted[:2], d) {
			t.Fatalf("a draw after the restart repeats one the stream gave or would have given: %s", d)
		}
	}

}

// Only an agent's own plugins crash: the simulation's shared network and
// clock, and an agent's sim-storage (its disk), are refused with a clear
// error, as is a plugin run as a process.
func TestPluginCrashRefusesSharedPlugins(t *testing.T) {
	for _, plugin := range []string{"network", "clock", "storage"} {
		s, err := sim.New(context.Background(), sim.Config{Deployment: deployment(t, guardianRecoveryWithPluginCrash(t, 10, "g1", plugin)),
			Seed: 1, Builtins: plugins.Lookup, Logger: quietLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Run(context.Background())
		s.Close(context.Background())
		if err == nil || !strings.Contains(err.Error(), "is not one of agent g1's own plugins") {
			t.Errorf("%s: error %v, want the plugin refused as not the agent's own", plugin, err)
		}
	}
	s, err := sim.New(context.Background(), sim.Config{Deployment: deployment(t, guardianRecoveryWithPluginCrash(t, 10, "g1", "journal")),
		Seed: 1, Builtins: plugins.Lookup, Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	if err := s.Agent("g1").Host().RestartPluginInProcess(context.Background(), "clock"); !errors.Is(err, host.ErrNotRestartable) {
		t.Errorf("restarting the shared clock through the host: %v, want ErrNotRestartable", err)
	}
}
