package swarm

import (
	"slices"

	"github.com/aurahost/aura-host/config"
)

// CoverageKinds are the fault kinds whose firing a simulation measures, in
// the order a coverage table lists them.
var CoverageKinds = []string{config.FaultDrop, config.FaultDelay, config.FaultDuplicate, config.FaultReorder,
	config.FaultPartition, config.FaultCrash, config.FaultStorageFailure, config.FaultClockSkew, config.FaultPluginCrash}

// Coverage says, per fault kind of CoverageKinds that a seed scheduled
// (written or drawn), whether one of its faults fired: acted on something
// during the run while it was in force, as host/sim measures it on the
// simulated network or on the plugin the fault acts through —
//
//   - drop: a transmission was lost while no partition was in force (a
//     loss under a partition is not counted as the drop rate's);
//   - delay: a message was sent;
//   - duplicate: a transmission was delivered twice;
//   - reorder: a message it held back was overtaken, delivered after one
//     sent later to the same agent on its link or another (a protocol
//     that waits for each reply never has two messages on one link at
//     once, so there the overtaking shows between links);
//   - partition: a message was sent across the cut (either way);
//   - crash: a message reached the crashed agent while it was down (and
//     waited in the network for its restart);
//   - storage_failure: a storage call of an agent it hits failed
//     (sim-storage's injected count);
//   - clock_skew: the skewed agent read its clock (sim-clock's skewed
//     reads);
//   - plugin_crash: the restarted plugin served a call afterwards (its
//     host's count of the plugin's calls grew), so the restart could have
//     mattered; an agent crash after it starts the count again, and the
//     new incarnation's count must pass the one at the plugin's restart.
//
// A fault scheduled after the simulation ended never fired.
type Coverage map[string]bool

// KindCoverage is one fault kind's line of a sweep's coverage table.
type KindCoverage struct {
	Kind string `json:"kind"`
	// Scheduled counts the seeds that scheduled a fault of the kind
	// (written or drawn); Fired, those in which one fired (Coverage).
	Scheduled uint64 `json:"scheduled"`
	Fired     uint64 `json:"fired"`
	// Share is Fired over the seeds simulated, from 0 to 1.
	Share float64 `json:"share"`
}

// CoverageTable is a sweep's coverage: a line per fault kind scheduled in
// at least one seed, in CoverageKinds order.
type CoverageTable []KindCoverage

// Add counts one seed's coverage (kinds outside CoverageKinds are not
// measured, and left out); seeds is how many the sweep has simulated with
// it, those that scheduled no fault included, over which every line's
// share is taken.
func (t *CoverageTable) Add(c Coverage, seeds uint64) {
	for _, kind := range CoverageKinds {
		fired, scheduled := c[kind]
		if !scheduled {
			continue
		}
		i := slices.IndexFunc(*t, func(k KindCoverage) bool { return k.Kind == kind })
		if i < 0 {
			*t = append(*t, KindCoverage{Kind: kind})
			slices.SortFunc(*t, func(a, b KindCoverage) int {
				return slices.Index(CoverageKinds, a.Kind) - slices.Index(CoverageKinds, b.Kind)
			})
			i = slices.IndexFunc(*t, func(k KindCoverage) bool { return k.Kind == kind })
		}
		(*t)[i].Scheduled++
		if fired {
			(*t)[i].Fired++
		}
	}
	for i := range *t {
		(*t)[i].Share = float64((*t)[i].Fired) / float64(seeds)
	}
}
