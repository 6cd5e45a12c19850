package cover

import "time"

// TopUp is the arithmetic of one peer link's cover traffic: over each
// interval the link must carry at least Floor packets per second; the
// application's sends count toward it, and cover makes up only the
// difference. Owed fractions of a packet carry over to the next interval
// (a floor of 3 packets/s over 500 ms intervals owes 1, 2, 1, 2, …), so the
// rate holds over any run of intervals, not just on average. Application
// traffic above the floor is not banked: a burst does not buy a later
// silence, which an observer would see.
type TopUp struct {
	// Floor is the packets per second the link must carry. 0 owes nothing.
	Floor int
	// MaxElapsed caps the time one call may owe for: after a gap (the
	// agent suspended, the clock jumping) the link gets one interval's
	// worth, not a burst of everything missed. 0 means no cap.
	MaxElapsed time.Duration

	carry int64 // thousandths of a packet owed from earlier intervals
}

// Due returns how many cover packets to send for an interval of elapsed in
// which the application sent appSent packets on the link.
func (t *TopUp) Due(elapsed time.Duration, appSent int64) int64 {
	if t.Floor <= 0 || elapsed <= 0 {
		return 0
	}
	if t.MaxElapsed > 0 && elapsed > t.MaxElapsed {
		elapsed = t.MaxElapsed
	}
	owed := int64(t.Floor)*elapsed.Milliseconds() + t.carry // thousandths of a packet
	target := owed / 1000
	t.carry = owed % 1000
	if appSent >= target {
		return 0
	}
	return target - max(appSent, 0)
}
