package sim

import (
	"context"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// pollInterval is how long a production run waits for the network when
// nothing else can move: envelopes arrive over real sockets.
const pollInterval = 2 * time.Millisecond

// timeline is the simulation's time: virtual time, moved on by the loop to
// the next event (a delivery, a sleeper's deadline, a fault), with the
// faults scheduled on it; in production, wall-clock time polled.
type timeline struct {
	ctx       context.Context
	s         *Simulation
	now       int64
	wallStart time.Time // production: wall-clock start; virtual time is zero
	faults    []*scheduledFault
	bundle    *TraceBundle // records each fault applied
	cover     *coverage    // which faults fire; nil outside simulation
	// runs are this call's runs and exec runs their machines: what a
	// crash stops and a restart rebuilds (restart.go).
	runs []*simRun
	exec *executor
}

// nextEvent is the earliest virtual time at which something will happen:
// a delivery, a sleeper's wake-up, or a scheduled fault.
func (tl *timeline) nextEvent() (int64, bool, error) {
	if !tl.wallStart.IsZero() { // production: real time passes; look again shortly
		return time.Since(tl.wallStart).Milliseconds() + pollInterval.Milliseconds(), true, nil
	}
	next, ok := int64(0), false
	consider := func(t int64) {
		if !ok || t < next {
			next, ok = t, true
		}
	}
	if tl.s.network != nil {
		v, err := control(tl.ctx, tl.s.network, "network_control.next_delivery", nil)
		if err != nil {
			return 0, false, err
		}
		if t, isInt := v.AsInt(); isInt && !v.IsNull() {
			consider(t)
		}
	}
	if tl.s.clock != nil {
		v, err := control(tl.ctx, tl.s.clock, "time_control.next_deadline", nil)
		if err != nil {
			return 0, false, err
		}
		if t, isInt := v.AsInt(); isInt && !v.IsNull() {
			consider(t)
		}
	}
	for _, f := range tl.faults {
		if !f.applied {
			consider(f.at)
			break
		}
	}
	if ok && next < tl.now {
		next = tl.now
	}
	return next, ok, nil
}

// advance moves virtual time to t: the clock wakes its sleepers, the
// network delivers what is due, and faults due by t apply.
func (tl *timeline) advance(t int64) error {
	if !tl.wallStart.IsZero() {
		wait := time.NewTimer(pollInterval)
		select {
		case <-wait.C:
		case <-tl.ctx.Done():
			wait.Stop()
		}
		tl.now = time.Since(tl.wallStart).Milliseconds()
		return nil
	}
	if t > tl.now {
		tl.now = t
	}
	if tl.s.clock != nil {
		if _, err := control(tl.ctx, tl.s.clock, "time_control.set_time", map[string]effects.Value{"ms": effects.Int(tl.now)}); err != nil {
			return err
		}
	}
	if tl.s.network != nil {
		if _, err := control(tl.ctx, tl.s.network, "network_control.tick", map[string]effects.Value{"now_ms": effects.Int(tl.now)}); err != nil {
			return err
		}
	}
	return tl.applyFaults()
}
