// These tests are the example of the simulation test API (package simtest):
// guardian recovery across four agents over a network that drops 10 % of
// the transmissions (the simulated transport retransmits) and partitions
// the account from one guardian for the first 150ms of virtual time. The
// guardians approve with their agents' device keys (device.sign, purpose
// "recovery-approval"), and the account checks each signature over the
// purpose-prefixed bytes (../protocols/agents/guardian_recovery.hcl).
package simulation_test

import (
	"testing"

	"github.com/aurahost/aura-host/simtest"
	"github.com/aurahost/aura-host/vm"
)

// approve makes every guardian approve (the protocol's Approve branch);
// without it the host picks each branch from the seed.
func approve(req *vm.DecisionRequest, _ uint64) (string, error) { return req.Labels[0], nil }

func TestGuardianRecoveryUnderFaults(t *testing.T) {
	sim := simtest.New(t, "deployment.hcl", 7, simtest.WithDecide(approve))
	out := sim.Run()
	sim.RequireSuccess(out)
	// The Account's valid[*] are its checks of the guardians' device
	// signatures; granted_at is bound (not null) only on the Granted
	// branch, reached on two valid approvals.
	if at, _ := out.Runs[0].Binding("Account", "granted_at"); at.IsNull() {
		valid, _ := out.Runs[0].Binding("Account", "valid")
		t.Fatalf("recovery completed without a grant (valid approvals: %v):\n%s", valid, out.Bundle.Bytes())
	}
	t.Logf("granted at %dms of virtual time; bundle %s", out.Runs[0].FinishedMs, out.Bundle.Hash())
}

// The same seed gives a byte-identical trace bundle; different seeds give
// different ones.
func TestTracesAreReproducibleBySeed(t *testing.T) {
	seen := map[string]uint64{}
	for seed := uint64(1); seed <= 50; seed++ {
		sim := simtest.New(t, "deployment.hcl", seed)
		first := sim.Run()
		second := simtest.New(t, "deployment.hcl", seed).Run()
		sim.RequireSameBundle(first, second) // fails printing the first divergence
		for _, r := range first.Runs {
			if r.Err != nil {
				t.Fatalf("seed %d: run %s failed: %v", seed, r.Name, r.Err)
			}
		}
		if other, dup := seen[first.Bundle.Hash()]; dup {
			t.Fatalf("seeds %d and %d gave the same bundle", other, seed)
		}
		seen[first.Bundle.Hash()] = seed
	}
}

// The partition this file declares happens while the recovery runs: the
// recorded bundle shows it starting and healing before the run finishes (a
// partition scheduled after the run is over would never appear).
func TestPartitionHappensDuringTheRun(t *testing.T) {
	sim := simtest.New(t, "deployment.hcl", 7, simtest.WithDecide(approve))
	out := sim.Run()
	sim.RequireSuccess(out)
	b := sim.Bundle(out)
	finished := out.Runs[0].FinishedMs
	phases := map[string]int64{}
	for _, f := range b.Faults {
		if f.Kind == "partition" {
			phases[f.Phase] = f.AtMs
		}
	}
	start, started := phases["start"]
	end, healed := phases["end"]
	if !started || !healed || start > finished || end > finished {
		t.Fatalf("the run finished at %dms, but the bundle's partition events are %v (want a start and an end by then):\n%s", finished, phases, out.Bundle.Bytes())
	}
}
