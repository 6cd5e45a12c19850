// Package simcontrol decides who may call a simulation plugin's control
// operations — the simulated network's faults and controls, the simulated
// clock's time controls, the simulated disk's fault injection: the
// simulator that owns the simulated world, and nobody acting inside it.
//
// A simulation plugin instance is configured for an authority (an agent's,
// or none). Its control operations answer a call only when the call acts
// for that same authority and the world the instance serves is its own:
//
//   - an instance shared by a simulation's agents (host/sim), and each
//     agent's simulated disk there, is configured for no authority, so
//     only the simulator, calling without one, may partition the network,
//     move time or fail a disk; an agent calling through its router acts
//     for its authority and is refused (denied), whatever its allow list
//     says — otherwise a protocol under test could heal the partition
//     meant to test it, move time past its peers' deadlines, or fail its
//     own disk and have it counted as a storage failure the sweep made;
//   - an instance a single agent owns (New, configured for that agent) is
//     that agent's whole world, and the agent — the test driving it — may;
//   - an instance serving a world shared with others (NewWithNetwork,
//     NewWithClock) answers only calls without an authority.
package simcontrol

import (
	"context"
	"sync"

	"github.com/aurahost/aura-host/sdk"
)

// Owner is who may call an instance's control operations. The zero value
// is an instance configured for no authority.
type Owner struct {
	// sole is true when the instance's world (its network, its clock) is
	// its own, not shared with other instances.
	sole bool

	mu        sync.RWMutex
	authority sdk.AuthorityID
}

// NewOwner returns the Owner of an instance whose world is its own (sole)
// or shared with other instances.
func NewOwner(sole bool) *Owner { return &Owner{sole: sole} }

// Configured records the authority the instance was configured for.
func (o *Owner) Configured(authority sdk.AuthorityID) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.authority = authority
}

// Allows reports whether a call acting for authority may use the
// controls.
func (o *Owner) Allows(authority sdk.AuthorityID) bool {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return authority == o.authority && (o.sole || authority.IsZero())
}

// Guard wraps the handler of each of ops so that a call the Owner does
// not allow is refused with a denied error naming the operation and why.
func (o *Owner) Guard(ops []sdk.Operation) []sdk.Operation {
	for i := range ops {
		handle, op := ops[i].Handle, ops[i].Spec.ID
		ops[i].Handle = func(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
			if !o.Allows(c.Authority) {
				return sdk.Value{}, sdk.Errorf(sdk.CodeDenied,
					"%s is the simulator's: a call acting for authority %s may not control or inspect the simulated world it runs in", op, c.Authority)
			}
			return handle(ctx, c)
		}
	}
	return ops
}
