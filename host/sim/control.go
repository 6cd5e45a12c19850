package sim

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// Control calls a control operation of the simulated world — time_control.*
// on the simulated clock, network_faults.* and network_control.* on the
// simulated network, fault_injection.* on an agent's simulated disk — as
// the simulator, with no authority. It is how a test drives a simulation
// by hand (moving time with no run in progress, partitioning the network
// between services, failing a disk): the agents cannot, since those
// operations refuse a call that acts for an authority
// (plugins/internal/simcontrol), whatever its allow list. Any other
// operation is an error: the simulator acts on the world, not as an agent
// in it.
//
// Each agent has its own disk, so fault_injection.* takes, besides the
// operation's arguments, "agent" (the agent's name, required) and
// "plugin" (which of its sim-storage plugins, by name; needed only when
// it has more than one). The disk outlives the agent's crashes: it
// answers while the agent is down.
func (s *Simulation) Control(ctx context.Context, op effects.OpID, args map[string]effects.Value) (effects.Value, error) {
	var l *sdk.Local
	switch op.Family() {
	case "time_control":
		l = s.clock
	case "network_faults", "network_control":
		l = s.network
	case "fault_injection":
		disk, rest, err := s.disk(op, args)
		if err != nil {
			return effects.Value{}, err
		}
		return control(ctx, disk, op, rest)
	default:
		return effects.Value{}, fmt.Errorf("simulation: %s is not a simulator control (time_control.*, network_faults.*, network_control.*, fault_injection.*)", op)
	}
	if l == nil {
		return effects.Value{}, fmt.Errorf("simulation: %s: the deployment has no shared simulation plugin serving %s", op, op.Family())
	}
	return control(ctx, l, op, args)
}

// disk is the simulated disk a fault_injection call of Control names by
// its "agent" and "plugin" arguments, and the call's other arguments.
func (s *Simulation) disk(op effects.OpID, args map[string]effects.Value) (*sdk.Local, map[string]effects.Value, error) {
	name, ok := args["agent"].AsString()
	if !ok || name == "" {
		return nil, nil, fmt.Errorf("simulation: %s: give the agent whose disk it acts on by name, as args[\"agent\"] (one of %v)", op, s.agentNames())
	}
	a := s.agentNamed(name)
	if a == nil {
		return nil, nil, fmt.Errorf("simulation: %s: no local agent %q (the agents: %v)", op, name, s.agentNames())
	}
	if a.durable == nil || len(a.durable.disks) == 0 {
		return nil, nil, fmt.Errorf("simulation: %s: agent %s has no simulated disk: give it a storage plugin with builtin = \"sim-storage\"", op, name)
	}
	disks := slices.Sorted(maps.Keys(a.durable.disks))
	plugin, _ := args["plugin"].AsString()
	switch {
	case plugin == "" && len(disks) == 1:
		plugin = disks[0]
	case plugin == "":
		return nil, nil, fmt.Errorf("simulation: %s: agent %s has several simulated disks %v: name one as args[\"plugin\"]", op, name, disks)
	case a.durable.disks[plugin] == nil:
		return nil, nil, fmt.Errorf("simulation: %s: agent %s has no simulated disk %q (its disks: %v)", op, name, plugin, disks)
	}
	rest := maps.Clone(args)
	delete(rest, "agent")
	delete(rest, "plugin")
	return a.durable.disks[plugin], rest, nil
}
