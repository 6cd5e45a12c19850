package swarm

import "github.com/aurahost/aura-host/config"

// Line is f as the trace bundle's swarm line lists it: its kind, when it
// starts and the parameters of its kind, in milliseconds.
func Line(f *config.Fault) map[string]any {
	m := map[string]any{"kind": f.Kind, "at_ms": f.At.Milliseconds()}
	switch f.Kind {
	case config.FaultDrop, config.FaultDuplicate:
		m["rate"] = f.Rate
	case config.FaultDelay:
		m["min_ms"], m["max_ms"] = f.Min.Milliseconds(), f.Max.Milliseconds()
	case config.FaultPartition:
		m["between"], m["heal_after_ms"] = f.Between, f.HealAfter.Milliseconds()
	case config.FaultCrash:
		m["agent"], m["restart_after_ms"] = f.Agent, f.RestartAfter.Milliseconds()
	case config.FaultReorder:
		m["rate"], m["hold_ms"] = f.Rate, f.Hold.Milliseconds()
	case config.FaultStorageFailure:
		m["rate"], m["duration_ms"] = f.Rate, f.Duration.Milliseconds()
		if f.Agent != "" {
			m["agent"] = f.Agent
		}
	case config.FaultClockSkew:
		m["agent"], m["offset_ms"] = f.Agent, f.Offset.Milliseconds()
	case config.FaultPluginCrash:
		m["agent"], m["plugin"] = f.Agent, f.Plugin
	}
	return m
}
