package sim

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aurahost/aura-host/effects"
)

// Control calls a control operation of the simulation's shared plugins —
// time_control.* on the simulated clock, network_faults.* and
// network_control.* on the simulated network — as the simulator, with no
// authority. It is how a test drives a simulation by hand (moving time
// with no run in progress, partitioning the network between services):
// the agents cannot, since those operations refuse a call that acts for
// an authority (plugins/internal/simcontrol), whatever its allow list.
func (s *Simulation) Control(ctx context.Context, op effects.OpID, args map[string]effects.Value) (effects.Value, error) {
	for _, name := range slices.Sorted(maps.Keys(s.shared)) {
		l := s.shared[name]
		if slices.ContainsFunc(l.Describe().Ops, func(o effects.OpSpec) bool { return o.ID == op }) {
			return control(ctx, l, op, args)
		}
	}
	return effects.Value{}, fmt.Errorf("simulation: no shared simulation plugin (%s) serves %s", strings.Join(SharedBuiltins, ", "), op)
}
