package swarm_test

import (
	"reflect"
	"testing"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/sim/swarm"
)

// A coverage table lists each kind scheduled in some seed in
// CoverageKinds order, whatever order the seeds brought them in; counts
// the seeds that scheduled it and those in which it fired; takes every
// share over all the seeds, those that scheduled nothing included; and
// leaves out a kind it does not measure.
func TestCoverageTableCountsSeedsPerKind(t *testing.T) {
	var table swarm.CoverageTable
	seeds := []swarm.Coverage{
		{config.FaultCrash: true, "unmeasured": true},
		nil, // a seed that scheduled no fault
		{config.FaultCrash: false, config.FaultDrop: true},
		{config.FaultDrop: true, config.FaultPartition: false},
	}
	for i, c := range seeds {
		table.Add(c, uint64(i+1))
	}
	want := swarm.CoverageTable{
		{Kind: config.FaultDrop, Scheduled: 2, Fired: 2, Share: 0.5},
		{Kind: config.FaultPartition, Scheduled: 1, Fired: 0, Share: 0},
		{Kind: config.FaultCrash, Scheduled: 2, Fired: 1, Share: 0.25},
	}
	if !reflect.DeepEqual(table, want) {
		t.Errorf("table %+v\nwant  %+v", table, want)
	}
}
