package drawepoch

import (
	"testing"

	"github.com/aurahost/aura-host/sdk"
)

// Each configuration claims the next epoch of its seed, authority and run,
// in every deterministic mode — the simulation mode's records, renamed
// into place without a sync, included — and another authority, seed or
// run starts at 0. A configuration without a state directory is refused.
func TestClaimNeverGivesAnEpochTwice(t *testing.T) {
	alice, bob := sdk.AuthorityID{1}, sdk.AuthorityID{2}
	for _, mode := range []sdk.Mode{sdk.Testing, sdk.Simulation} {
		dir := t.TempDir()
		for want := uint64(0); want < 3; want++ {
			got, err := Claim("test", dir, "run-1", 7, alice, mode)
			if err != nil || got != want {
				t.Fatalf("%s: claim %d gave epoch %d, %v", mode, want, got, err)
			}
		}
		for _, other := range []struct {
			run       string
			seed      uint64
			authority sdk.AuthorityID
		}{{"run-1", 7, bob}, {"run-1", 8, alice}, {"run-2", 7, alice}} {
			if got, err := Claim("test", dir, other.run, other.seed, other.authority, mode); err != nil || got != 0 {
				t.Fatalf("%s: %+v started at epoch %d, %v; want 0", mode, other, got, err)
			}
		}
		if _, err := Claim("test", "", "run-1", 7, alice, mode); err == nil {
			t.Fatalf("%s: a claim without a state directory was accepted", mode)
		}
	}
}
