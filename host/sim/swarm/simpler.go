package swarm

import (
	"math"
	"slices"
	"time"

	"github.com/aurahost/aura-host/config"
)

// simpler are the one-step simplifications of f, in the order tried;
// endMs is when the failing simulation ended (a crash moves toward it):
//
//   - partition: shorter (heal_after halved toward 1ms), then between
//     fewer agents (one of the others left out, the last first);
//   - clock_skew: the offset halved toward zero;
//   - crash: shorter (restart_after halved toward 1ms); crash and
//     plugin_crash: later, half way to the end of the failing run;
//   - delay: a smaller maximum (halved toward 1ms, the minimum no more
//     than it), a smaller minimum (halved toward 0);
//   - reorder: a shorter hold, then as the rates below;
//   - drop, duplicate, storage_failure: the rate halved toward 0.001;
//
// and every kind but partitions and crashes, when limited, a shorter
// duration (halved toward 1ms).
func simpler(f *config.Fault, endMs int64) []*config.Fault {
	var out []*config.Fault
	edit := func(change func(c *config.Fault)) {
		c := *f
		c.Between = slices.Clone(f.Between)
		change(&c)
		out = append(out, &c)
	}
	switch f.Kind {
	case config.FaultPartition:
		if d, ok := halved(f.HealAfter, time.Millisecond); ok {
			edit(func(c *config.Fault) { c.HealAfter = d })
		}
		for j := len(f.Between) - 1; j >= 1 && len(f.Between) > 2; j-- {
			edit(func(c *config.Fault) { c.Between = slices.Delete(c.Between, j, j+1) })
		}
	case config.FaultClockSkew:
		if d := (f.Offset / 2).Truncate(time.Millisecond); d != 0 && d != f.Offset {
			edit(func(c *config.Fault) { c.Offset = d })
		}
	case config.FaultCrash, config.FaultPluginCrash:
		if d, ok := halved(f.RestartAfter, time.Millisecond); ok && f.Kind == config.FaultCrash {
			edit(func(c *config.Fault) { c.RestartAfter = d })
		}
		end := time.Duration(endMs) * time.Millisecond
		if later := f.At + (end-f.At)/2; later-f.At >= time.Millisecond {
			edit(func(c *config.Fault) { c.At = later.Truncate(time.Millisecond) })
		}
	case config.FaultDelay:
		if d, ok := halved(f.Max, time.Millisecond); ok {
			edit(func(c *config.Fault) { c.Max, c.Min = d, min(c.Min, d) })
		}
		if d, ok := halved(f.Min, 0); ok {
			edit(func(c *config.Fault) { c.Min = d })
		}
	case config.FaultReorder:
		if d, ok := halved(f.Hold, time.Millisecond); ok {
			edit(func(c *config.Fault) { c.Hold = d })
		}
		fallthrough
	case config.FaultDrop, config.FaultDuplicate, config.FaultStorageFailure:
		if pm := int64(math.Round(f.Rate * 1000)); pm > 1 {
			edit(func(c *config.Fault) { c.Rate = float64(pm/2) / 1000 })
		}
	}
	if f.Kind != config.FaultPartition && f.Kind != config.FaultCrash && f.Kind != config.FaultPluginCrash {
		if d, ok := halved(f.Duration, time.Millisecond); ok {
			edit(func(c *config.Fault) { c.Duration = d })
		}
	}
	return out
}

// halved is d halved to whole milliseconds, no lower than floor; false
// when that changes nothing.
func halved(d, floor time.Duration) (time.Duration, bool) {
	h := max(floor, (d / 2).Truncate(time.Millisecond))
	return h, h < d
}
