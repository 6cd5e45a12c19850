package sim

import (
	"fmt"
	"math"
	"slices"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
)

// scheduledFault is one change the fault schedule makes on virtual time: a
// fault starting, or ending (a partition healing, a crashed agent
// restarting, a drop rate going back to zero).
type scheduledFault struct {
	at      int64
	seq     int // declaration order, to break ties
	kind    string
	start   bool
	decl    *config.Fault
	applied bool
}

// schedule turns the deployment's fault blocks into start and end events,
// in time order (declaration order for equal times).
func schedule(faults []*config.Fault) []*scheduledFault {
	var out []*scheduledFault
	for i, f := range faults {
		at := f.At.Milliseconds()
		out = append(out, &scheduledFault{at: at, seq: 2 * i, kind: f.Kind, start: true, decl: f})
		end := f.Duration
		switch f.Kind {
		case config.FaultPartition:
			end = f.HealAfter
		case config.FaultCrash:
			end = f.RestartAfter
		}
		if end > 0 {
			out = append(out, &scheduledFault{at: at + end.Milliseconds(), seq: 2*i + 1, kind: f.Kind, decl: f})
		}
	}
	slices.SortStableFunc(out, func(a, b *scheduledFault) int {
		if a.at != b.at {
			return int(a.at - b.at)
		}
		return a.seq - b.seq
	})
	return out
}

// applyFaults applies every scheduled change due by now, records it in the
// trace bundle, and marks it applied.
func (tl *timeline) applyFaults() error {
	for _, f := range tl.faults {
		if f.applied || f.at > tl.now {
			continue
		}
		f.applied = true
		if err := tl.observe(f); err != nil {
			return fmt.Errorf("fault %q at %dms: %w", f.kind, f.at, err)
		}
		detail, err := tl.applyFault(f)
		if err != nil {
			return fmt.Errorf("fault %q at %dms: %w", f.kind, f.at, err)
		}
		addFault(tl.bundle, tl.now, f, detail)
	}
	return nil
}

func perMille(rate float64) effects.Value { return effects.Int(int64(math.Round(rate * 1000))) }

func (tl *timeline) applyFault(f *scheduledFault) (string, error) {
	d := f.decl
	net := func(op effects.OpID, args map[string]effects.Value) error {
		if tl.s.network == nil {
			return fmt.Errorf("the deployment has no sim-network plugin to inject %s into", f.kind)
		}
		_, err := control(tl.ctx, tl.s.network, op, args)
		return err
	}
	switch d.Kind {
	case config.FaultPartition:
		if !f.start {
			return "healed", net("network_faults.heal", nil)
		}
		var a, b []effects.Value
		for i, name := range d.Between {
			ag := tl.s.agentNamed(name)
			if ag == nil {
				return "", fmt.Errorf("no agent %q", name)
			}
			id := ag.agent.AuthorityID()
			if i == 0 {
				a = append(a, effects.Bytes(id[:]))
			} else {
				b = append(b, effects.Bytes(id[:]))
			}
		}
		return fmt.Sprintf("%s | %v", d.Between[0], d.Between[1:]), net("network_faults.partition",
			map[string]effects.Value{"a": effects.List(a...), "b": effects.List(b...)})
	case config.FaultDrop:
		rate := d.Rate
		if !f.start {
			rate = 0
		}
		return fmt.Sprintf("drop rate %.3f", rate), net("network_faults.set_drop_rate", map[string]effects.Value{"per_mille": perMille(rate)})
	case config.FaultDuplicate:
		rate := d.Rate
		if !f.start {
			rate = 0
		}
		return fmt.Sprintf("duplicate rate %.3f", rate), net("network_faults.set_duplicate_rate", map[string]effects.Value{"per_mille": perMille(rate)})
	case config.FaultDelay:
		lo, hi := d.Min.Milliseconds(), d.Max.Milliseconds()
		if !f.start {
			lo, hi = 0, 0
		}
		return fmt.Sprintf("delay %d-%dms", lo, hi), net("network_faults.set_delay",
			map[string]effects.Value{"min_ms": effects.Int(lo), "max_ms": effects.Int(hi)})
	case config.FaultCrash:
		return tl.crash(d.Agent, f.start)
	case config.FaultStorageFailure:
		rate := d.Rate
		if !f.start {
			rate = 0
		}
		for _, ag := range tl.s.agents {
			if d.Agent != "" && ag.name != d.Agent {
				continue
			}
			if err := tl.injectStorageFailure(ag, perMille(rate)); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("storage failure rate %.3f", rate), nil
	case config.FaultReorder:
		rate, hold := d.Rate, d.Hold.Milliseconds()
		if !f.start {
			rate, hold = 0, 0
		}
		return fmt.Sprintf("reorder rate %.3f, hold %dms", rate, hold), net(effects.NetworkFaultsSetReorderRate,
			map[string]effects.Value{"per_mille": perMille(rate), "hold_ms": effects.Int(hold)})
	case config.FaultClockSkew:
		offset := d.Offset.Milliseconds()
		if !f.start {
			offset = 0
		}
		return fmt.Sprintf("agent %s clock %+dms", d.Agent, offset), tl.setSkew(d.Agent, offset)
	case config.FaultPluginCrash:
		return tl.crashPlugin(d.Agent, d.Plugin)
	}
	return "", fmt.Errorf("unknown fault kind %q", d.Kind)
}

// setSkew sets how far off virtual time the named agent's clock reads, on
// the shared sim-clock.
func (tl *timeline) setSkew(agent string, offset int64) error {
	ag := tl.s.agentNamed(agent)
	if ag == nil {
		return fmt.Errorf("no agent %q", agent)
	}
	if tl.s.clock == nil {
		return fmt.Errorf("the deployment has no sim-clock plugin to skew agent %q's clock on", agent)
	}
	id := ag.agent.AuthorityID()
	_, err := control(tl.ctx, tl.s.clock, effects.TimeControlSetSkew,
		map[string]effects.Value{"authority": effects.Bytes(id[:]), "offset_ms": effects.Int(offset)})
	return err
}

// agentPlugins are the names of the plugins each agent owns, in
// declaration order: those a plugin crash may restart. The simulation's
// shared plugins (SharedBuiltins: the network and the clock serve every
// agent) are no agent's, and an agent's sim-storage instance is its disk
// (durableBuiltins), which a process's crash does not touch.
func (s *Simulation) agentPlugins() []string {
	var out []string
	for _, p := range s.dep.EffectivePlugins() {
		if !slices.Contains(SharedBuiltins, p.Builtin) && !slices.Contains(durableBuiltins, p.Builtin) {
			out = append(out, p.Name)
		}
	}
	return out
}

// agentNames are the agents' names in declaration order.
func (s *Simulation) agentNames() []string {
	names := make([]string, len(s.agents))
	for i, a := range s.agents {
		names[i] = a.name
	}
	return names
}

func (s *Simulation) agentNamed(name string) *simAgent {
	for _, a := range s.agents {
		if a.name == name {
			return a
		}
	}
	return nil
}
