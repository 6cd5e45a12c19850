package sim

import (
	"slices"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/sim/swarm"
)

// Coverage: the timeline measures which scheduled fault kinds fired, as
// swarm.Coverage defines firing for each kind, by sampling the simulated
// network's counters and the plugins' when a fault starts and ends.

// netCounters are the simulated network's counters at one moment.
type netCounters struct {
	sent, dropped, duplicated int64
	// reordered counts held-back messages overtaken (held_overtaken).
	reordered int64
	// rateDrops counts losses while no partition was in force, summed
	// over the samples.
	rateDrops int64
}

// faultWatch follows one fault from its start to its end.
type faultWatch struct {
	decl  *config.Fault
	start netCounters
	base  int64 // its own count at its start (watched): sends across a cut, storage failures, skewed reads
	fired bool
}

// coverage measures which scheduled faults fire (timeline's part).
type coverage struct {
	last    netCounters
	open    []*faultWatch
	kinds   swarm.Coverage
	sampled bool
}

func newCoverage(faults []*scheduledFault) *coverage {
	c := &coverage{kinds: swarm.Coverage{}}
	for _, f := range faults {
		if f.start && slices.Contains(swarm.CoverageKinds, f.kind) {
			if _, seen := c.kinds[f.kind]; !seen {
				c.kinds[f.kind] = false
			}
		}
	}
	return c
}

// sample reads the network's counters, adding the losses since the last
// sample to rateDrops when no partition was in force.
func (tl *timeline) sample() (netCounters, error) {
	c := tl.cover
	v, err := control(tl.ctx, tl.s.network, "network_control.stats", nil)
	if err != nil {
		return netCounters{}, err
	}
	get := func(k string) int64 {
		x, _ := v.Get(k)
		n, _ := x.AsInt()
		return n
	}
	now := netCounters{sent: get("sent"), dropped: get("dropped"), duplicated: get("duplicated"), reordered: get("held_overtaken"), rateDrops: c.last.rateDrops}
	partitioned := slices.ContainsFunc(c.open, func(w *faultWatch) bool { return w.decl.Kind == config.FaultPartition })
	if c.sampled && !partitioned {
		now.rateDrops += now.dropped - c.last.dropped
	}
	c.last, c.sampled = now, true
	return now, nil
}

// linkSends sums the sends on the links from each of from to each of to.
func (tl *timeline) linkSends(from, to []string) (int64, error) {
	var n int64
	for _, a := range from {
		for _, b := range to {
			if a == b {
				continue
			}
			aa, ab := tl.s.agentNamed(a), tl.s.agentNamed(b)
			if aa == nil || ab == nil {
				continue
			}
			ia, ib := aa.agent.AuthorityID(), ab.agent.AuthorityID()
			v, err := control(tl.ctx, tl.s.network, "network_control.link",
				map[string]effects.Value{"source": effects.Bytes(ia[:]), "destination": effects.Bytes(ib[:])})
			if err != nil {
				return 0, err
			}
			sent, _ := v.Get("sent")
			s, _ := sent.AsInt()
			n += s
		}
	}
	return n, nil
}

// watched is the count a fault of a kind that the network's totals do
// not measure watches: the sends across a partition's cut (both ways),
// the envelopes delivered to a crashed agent, the storage calls failed on purpose
// of the agents a storage failure hits, the skewed clock reads of a
// skewed agent.
func (tl *timeline) watched(f *config.Fault) (int64, error) {
	switch f.Kind {
	case config.FaultPartition:
		there, err := tl.linkSends(f.Between[:1], f.Between[1:])
		if err != nil {
			return 0, err
		}
		back, err := tl.linkSends(f.Between[1:], f.Between[:1])
		return there + back, err
	case config.FaultCrash:
		if a := tl.s.agentNamed(f.Agent); a != nil {
			return tl.deliveredTo(a)
		}
	case config.FaultStorageFailure:
		return tl.storageFailures(f.Agent)
	case config.FaultClockSkew:
		return tl.skewedReads(f.Agent)
	case config.FaultPluginCrash:
		return tl.pluginCalls(f.Agent, f.Plugin), nil
	}
	return 0, nil
}

// storageFailures sums the storage calls failed on purpose so far of the
// named agent (of every agent if name is "").
func (tl *timeline) storageFailures(name string) (int64, error) {
	var n int64
	for _, ag := range tl.s.agents {
		if name != "" && ag.name != name {
			continue
		}
		answers, err := tl.diskControl(ag, effects.FaultInjectionStorageFaults, nil)
		if err != nil {
			return 0, err
		}
		for _, v := range answers {
			x, _ := v.Get("injected")
			k, _ := x.AsInt()
			n += k
		}
	}
	return n, nil
}

// skewedReads is how many times the named agent has read its clock while
// it was skewed.
func (tl *timeline) skewedReads(name string) (int64, error) {
	ag := tl.s.agentNamed(name)
	if ag == nil || tl.s.clock == nil {
		return 0, nil
	}
	id := ag.agent.AuthorityID()
	v, err := control(tl.ctx, tl.s.clock, effects.TimeControlSkew, map[string]effects.Value{"authority": effects.Bytes(id[:])})
	if err != nil {
		return 0, err
	}
	x, _ := v.Get("skewed_reads")
	k, _ := x.AsInt()
	return k, nil
}

// observe records a fault change about to apply at the current time:
// closes the watch of an ending fault, opens one for a starting fault.
func (tl *timeline) observe(f *scheduledFault) error {
	c := tl.cover
	if c == nil || tl.s.network == nil || !slices.Contains(swarm.CoverageKinds, f.kind) {
		return nil
	}
	now, err := tl.sample()
	if err != nil {
		return err
	}
	if !f.start {
		i := slices.IndexFunc(c.open, func(w *faultWatch) bool { return w.decl == f.decl })
		if i < 0 {
			return nil
		}
		w := c.open[i]
		c.open = slices.Delete(c.open, i, i+1)
		return tl.close(w, now)
	}
	base, err := tl.watched(f.decl)
	if err != nil {
		return err
	}
	c.open = append(c.open, &faultWatch{decl: f.decl, start: now, base: base})
	return nil
}

// close decides whether w's fault fired between its start and now.
func (tl *timeline) close(w *faultWatch, now netCounters) error {
	switch w.decl.Kind {
	case config.FaultDrop:
		w.fired = w.decl.Rate > 0 && now.rateDrops > w.start.rateDrops
	case config.FaultDelay:
		w.fired = w.decl.Max > 0 && now.sent > w.start.sent
	case config.FaultDuplicate:
		w.fired = now.duplicated > w.start.duplicated
	case config.FaultReorder:
		w.fired = now.reordered > w.start.reordered
	case config.FaultPartition, config.FaultCrash, config.FaultStorageFailure, config.FaultClockSkew, config.FaultPluginCrash:
		n, err := tl.watched(w.decl)
		if err != nil {
			return err
		}
		w.fired = n > w.base
	}
	if w.fired {
		tl.cover.kinds[w.decl.Kind] = true
	}
	return nil
}

// finishCoverage closes the faults still in force when the simulation
// ends, and returns what fired (nil when no measured fault was scheduled
// or there is no simulated network).
func (tl *timeline) finishCoverage() (swarm.Coverage, error) {
	c := tl.cover
	if c == nil || len(c.kinds) == 0 || tl.s.network == nil {
		return nil, nil
	}
	if len(c.open) > 0 {
		now, err := tl.sample()
		if err != nil {
			return nil, err
		}
		for _, w := range c.open {
			if err := tl.close(w, now); err != nil {
				return nil, err
			}
		}
		c.open = nil
	}
	return c.kinds, nil
}
