package sim

import (
	"context"
	"fmt"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// Control calls a control operation of the simulation's shared plugins —
// time_control.* on the simulated clock, network_faults.* and
// network_control.* on the simulated network — as the simulator, with no
// authority. It is how a test drives a simulation by hand (moving time
// with no run in progress, partitioning the network between services):
// the agents cannot, since those operations refuse a call that acts for
// an authority (plugins/internal/simcontrol), whatever its allow list.
// Any other operation is an error: the simulator acts on the world, not
// as an agent in it.
func (s *Simulation) Control(ctx context.Context, op effects.OpID, args map[string]effects.Value) (effects.Value, error) {
	var l *sdk.Local
	switch op.Family() {
	case "time_control":
		l = s.clock
	case "network_faults", "network_control":
		l = s.network
	default:
		return effects.Value{}, fmt.Errorf("simulation: %s is not a simulator control (time_control.*, network_faults.*, network_control.*)", op)
	}
	if l == nil {
		return effects.Value{}, fmt.Errorf("simulation: %s: the deployment has no shared simulation plugin serving %s", op, op.Family())
	}
	return control(ctx, l, op, args)
}
