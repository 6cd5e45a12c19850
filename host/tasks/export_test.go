package tasks

import "time"

// SetOnWake lets tests observe the order in which a ManualClock wakes its
// sleepers: the order of closing their channels, which the goroutines'
// scheduling would hide.
func SetOnWake(c *ManualClock, f func(deadline time.Time, seq uint64)) {
	c.vc.SetOnWake(func(ns int64, seq uint64) { f(c.at(ns), seq) })
}
