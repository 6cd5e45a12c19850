package simcontrol

import (
	"testing"

	"github.com/aurahost/aura-host/effects"
)

// Who may control: the authority the instance was configured for, and
// only the simulator (no authority) when the world is shared.
func TestOwnerAllows(t *testing.T) {
	var none effects.AuthorityID
	alice, bob := effects.DeriveAuthorityID("alice", 0), effects.DeriveAuthorityID("bob", 0)
	for _, tc := range []struct {
		name       string
		sole       bool
		configured effects.AuthorityID
		caller     effects.AuthorityID
		want       bool
	}{
		{"shared world, the simulator", false, none, none, true},
		{"shared world, an agent on it", false, none, alice, false},
		{"shared world configured for an agent, that agent", false, alice, alice, false},
		{"shared world configured for an agent, the simulator", false, alice, none, false},
		{"own world, no authority", true, none, none, true},
		{"own world, an agent calling a plain one", true, none, alice, false},
		{"own world of alice, alice", true, alice, alice, true},
		{"own world of alice, bob", true, alice, bob, false},
		{"own world of alice, no authority", true, alice, none, false},
	} {
		o := NewOwner(tc.sole)
		o.Configured(tc.configured)
		if got := o.Allows(tc.caller); got != tc.want {
			t.Errorf("%s: Allows = %v, want %v", tc.name, got, tc.want)
		}
	}
}
