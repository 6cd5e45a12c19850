package swarm

import (
	"slices"
	"time"

	"github.com/aurahost/aura-host/config"
)

// Draw draws seed's fault schedule from the swarm block's bounds:
// the same fault values fault blocks produce, applied the same way. agents
// are the deployment's agent names in declaration order, plugins the
// names of the plugins every agent owns (those a plugin crash may hit:
// host/sim passes those neither shared nor the simulated disk). Each kind
// is drawn with probability one half (swarm testing: a seed that leaves a
// fault out tests what that fault would have hidden), then its parameters
// within the bounds, every fault starting inside the window; written are
// the deployment's fault blocks, which the drawn partitions keep clear of:
//
//   - drop and duplicate: a rate from 0.001 up to the bound, to the end;
//   - delay: min and max within the delay span, to the end;
//   - partitions: 1 up to the bound, one agent cut off from a non-empty
//     set of the others, for a time within partition_length; they overlap
//     neither each other nor the written partitions (a heal removes every
//     partition, so a drawn one over a written one would end it early):
//     one is moved past, or cut short before, a written partition, and
//     left out after a written one that never heals;
//   - crashes: 1 up to the bound, each of a different agent, down for a
//     time within crash_length;
//   - reorder: a hold-back rate from 0.001 up to the bound, each held
//     message waiting a time within reorder_hold, to the end;
//   - storage failure: a rate from 0.001 up to the bound, of one agent or
//     (one time in two) of all, for a window within
//     storage_failure_length, so that runs can finish;
//   - clock skew: each agent, one time in two (at least one agent), an
//     offset within clock_skew, ahead or behind, to the end;
//   - plugin crashes: 1 up to the bound, each of an agent and one of
//     plugins, drawn independently (the same plugin may crash twice).
//
// The kinds are drawn in that order, the later ones after the earlier:
// a bound added for a later kind leaves the earlier kinds' draws as they
// were.
//
// The result is sorted by start time (draw order for equal times). A nil
// swarm draws nothing.
func Draw(sw *config.Swarm, agents, plugins []string, written []*config.Fault, seed uint64) []*config.Fault {
	if sw == nil {
		return nil
	}
	r := newStream(seed)
	var out []*config.Fault
	at := func() time.Duration { return r.span(sw.Window) }
	rate := func(max float64) (float64, bool) {
		pm := int64(max*1000 + 0.5)
		if pm <= 0 || !r.coin() {
			return 0, false
		}
		return float64(1+r.intn(pm)) / 1000, true
	}
	if x, ok := rate(sw.Drop); ok {
		out = append(out, &config.Fault{Kind: config.FaultDrop, At: at(), Rate: x})
	}
	if x, ok := rate(sw.Duplicate); ok {
		out = append(out, &config.Fault{Kind: config.FaultDuplicate, At: at(), Rate: x})
	}
	if sw.Delay.Max >= time.Millisecond && r.coin() {
		lo := r.span(sw.Delay)
		hi := r.within(lo, sw.Delay.Max)
		if hi < time.Millisecond {
			hi = time.Millisecond
		}
		out = append(out, &config.Fault{Kind: config.FaultDelay, At: at(), Min: lo, Max: hi})
	}
	if sw.Partitions > 0 && len(agents) >= 2 && r.coin() {
		n := 1 + r.intn(int64(sw.Partitions))
		starts := make([]time.Duration, n)
		for i := range starts {
			starts[i] = at()
		}
		slices.Sort(starts)
		var free time.Duration // when the previous partition heals
		for _, start := range starts {
			start = max(start, free)
			length := max(r.span(sw.PartitionLength), time.Millisecond)
			var ok bool
			if start, length, ok = clearOfWritten(start, length, written); !ok {
				break
			}
			cut := agents[r.intn(int64(len(agents)))]
			between := []string{cut}
			for _, a := range agents {
				if a != cut && r.coin() {
					between = append(between, a)
				}
			}
			if len(between) == 1 {
				others := slices.DeleteFunc(slices.Clone(agents), func(a string) bool { return a == cut })
				between = append(between, others[r.intn(int64(len(others)))])
			}
			out = append(out, &config.Fault{Kind: config.FaultPartition, At: start, Between: between, HealAfter: length})
			free = start + length
		}
	}
	if sw.Crash > 0 && len(agents) > 0 && r.coin() {
		n := min(1+r.intn(int64(sw.Crash)), int64(len(agents)))
		left := slices.Clone(agents)
		for range n {
			i := r.intn(int64(len(left)))
			name := left[i]
			left = slices.Delete(left, int(i), int(i)+1)
			out = append(out, &config.Fault{Kind: config.FaultCrash, At: at(), Agent: name,
				RestartAfter: max(r.span(sw.CrashLength), time.Millisecond)})
		}
	}
	if x, ok := rate(sw.Reorder); ok {
		out = append(out, &config.Fault{Kind: config.FaultReorder, At: at(), Rate: x,
			Hold: max(r.span(sw.ReorderHold), time.Millisecond)})
	}
	if x, ok := rate(sw.StorageFailure); ok {
		agent := ""
		if len(agents) > 0 && r.coin() {
			agent = agents[r.intn(int64(len(agents)))]
		}
		out = append(out, &config.Fault{Kind: config.FaultStorageFailure, At: at(), Rate: x, Agent: agent,
			Duration: max(r.span(sw.StorageFailureLength), time.Millisecond)})
	}
	out = append(out, drawSkews(r, sw.ClockSkew, agents, at)...)
	if sw.PluginCrash > 0 && len(agents) > 0 && len(plugins) > 0 && r.coin() {
		for range 1 + r.intn(int64(sw.PluginCrash)) {
			agent := agents[r.intn(int64(len(agents)))]
			plugin := plugins[r.intn(int64(len(plugins)))]
			out = append(out, &config.Fault{Kind: config.FaultPluginCrash, At: at(), Agent: agent, Plugin: plugin})
		}
	}
	slices.SortStableFunc(out, func(a, b *config.Fault) int { return int(a.At - b.At) })
	return out
}

// drawSkews draws, one time in two, a clock skew for each agent with
// probability one half (for one agent at least), an offset within bound
// ahead or behind, from at() to the end.
func drawSkews(r *stream, bound config.Span, agents []string, at func() time.Duration) []*config.Fault {
	if bound.Max < time.Millisecond || len(agents) == 0 || !r.coin() {
		return nil
	}
	var skewed []string
	for _, a := range agents {
		if r.coin() {
			skewed = append(skewed, a)
		}
	}
	if len(skewed) == 0 {
		skewed = append(skewed, agents[r.intn(int64(len(agents)))])
	}
	var out []*config.Fault
	for _, a := range skewed {
		offset := max(r.span(bound), time.Millisecond)
		if r.coin() {
			offset = -offset
		}
		out = append(out, &config.Fault{Kind: config.FaultClockSkew, At: at(), Agent: a, Offset: offset})
	}
	return out
}

// clearOfWritten places a drawn partition of length from start so that it
// overlaps no written partition: moved to the heal of one in force at
// start, cut short before one that starts while it lasts (to at least a
// millisecond, else moved past it). ok is false after a written partition
// that never heals.
func clearOfWritten(start, length time.Duration, written []*config.Fault) (time.Duration, time.Duration, bool) {
	var partitions []*config.Fault
	for _, w := range written {
		if w.Kind == config.FaultPartition {
			partitions = append(partitions, w)
		}
	}
	for {
		// In force at start: move past its heal, or give up on one that
		// never heals.
		var inForce *config.Fault
		for _, w := range partitions {
			if start >= w.At && (w.HealAfter == 0 || start < w.At+w.HealAfter) {
				inForce = w
				break
			}
		}
		if inForce == nil {
			// Cut short before the first that starts while it lasts.
			cut := length
			for _, w := range partitions {
				if w.At > start && w.At-start < cut {
					cut = w.At - start
				}
			}
			if cut >= time.Millisecond {
				return start, cut, true
			}
			// Too short to be a partition: start after that one instead.
			for _, w := range partitions {
				if w.At > start && w.At-start == cut {
					inForce = w
				}
			}
		}
		if inForce.HealAfter == 0 {
			return 0, 0, false
		}
		start = inForce.At + inForce.HealAfter
	}
}
