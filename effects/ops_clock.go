package effects

// Operations of the clock family, served by clock and sim-clock.
const (
	// ClockPhysicalTime reads the wall clock.
	ClockPhysicalTime OpID = "clock.physical_time"
	// ClockSleepMS waits ms milliseconds, then returns null.
	ClockSleepMS OpID = "clock.sleep_ms"
	// ClockLogicalNow returns the Lamport clock's current value.
	ClockLogicalNow OpID = "clock.logical_now"
	// ClockLogicalAdvance advances the Lamport clock past an observed timestamp.
	ClockLogicalAdvance OpID = "clock.logical_advance"
	// ClockOrderTime returns an opaque 32-byte token.
	ClockOrderTime OpID = "clock.order_time"
)

// Operations of the time_control family, served by sim-clock, for a simulator to move virtual
// time.
const (
	// TimeControlAdvanceTime moves virtual time forward by ms milliseconds.
	TimeControlAdvanceTime OpID = "time_control.advance_time"
	// TimeControlSetTime sets virtual time to ms.
	TimeControlSetTime OpID = "time_control.set_time"
	// TimeControlNow returns the virtual time in milliseconds.
	TimeControlNow OpID = "time_control.now"
	// TimeControlNextDeadline returns the virtual time at which the earliest pending sleep wakes, or null.
	TimeControlNextDeadline OpID = "time_control.next_deadline"
	// TimeControlPendingSleepers returns how many sleeps are waiting for virtual time to pass.
	TimeControlPendingSleepers OpID = "time_control.pending_sleepers"
	// TimeControlSetSkew sets how far ahead (or behind) of virtual time one authority's clock reads.
	TimeControlSetSkew OpID = "time_control.set_skew"
	// TimeControlSkew describes one authority's skew: its offset and how often it read its clock skewed.
	TimeControlSkew OpID = "time_control.skew"
	// TimeControlWaitForSleepers waits until at least n sleeps are pending.
	TimeControlWaitForSleepers OpID = "time_control.wait_for_sleepers"
)
