// These tests are the example of the simulation test API (package simtest):
// guardian recovery across four agents over a network that drops 10 % of
// the transmissions (the simulated transport retransmits) and partitions
// the account from one guardian for a second of virtual time.
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
	if _, granted := out.Runs[0].Binding("Account", "granted_at"); !granted {
		t.Fatalf("recovery completed without a grant:\n%s", out.Bundle.Bytes())
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
