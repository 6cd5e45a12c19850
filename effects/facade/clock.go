package facade

import (
	"context"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// Clock is the client of the clock family (AURA-SPEC §3 calls it "time"):
// the wall clock with its uncertainty, sleeping, a Lamport clock and total
// order tokens. In simulation the clock is virtual: Sleep returns when the
// simulator advances time, not when real time passes.
type Clock struct{ c caller }

// OrderTokenSize is the length of an order_time token.
const OrderTokenSize = 32

var (
	opPhysicalTime   = declare("Clock.PhysicalTime", effects.ClockPhysicalTime, effects.KindMap)
	opSleep          = declare("Clock.Sleep", effects.ClockSleepMS, effects.KindNull, arg("ms", effects.KindInt))
	opLogicalNow     = declare("Clock.LogicalNow", effects.ClockLogicalNow, effects.KindUint)
	opLogicalAdvance = declare("Clock.LogicalAdvance", effects.ClockLogicalAdvance, effects.KindUint, arg("observed", effects.KindUint))
	opOrderTime      = declare("Clock.OrderTime", effects.ClockOrderTime, effects.KindBytes)
)

// PhysicalTime is a reading of the wall (or virtual) clock.
type PhysicalTime struct {
	Ms            int64 // milliseconds since the Unix epoch (virtual ms in simulation)
	UncertaintyMs int64 // the bound on the clock's error, in milliseconds
}

// Time returns the reading as a time.Time.
func (t PhysicalTime) Time() time.Time { return time.UnixMilli(t.Ms) }

// PhysicalTime reads the clock.
func (x *Clock) PhysicalTime(ctx context.Context) (PhysicalTime, error) {
	v, err := x.c.invoke(ctx, opPhysicalTime, nil)
	if err != nil {
		return PhysicalTime{}, err
	}
	return decodeRecord(opPhysicalTime, v, func(r reader) PhysicalTime {
		return PhysicalTime{Ms: r.int("ms"), UncertaintyMs: r.int("uncertainty_ms")}
	})
}

// Sleep waits d, rounded up to whole milliseconds (a negative d is 0). It
// returns early with a cancelled or timeout error when ctx ends first.
func (x *Clock) Sleep(ctx context.Context, d time.Duration) error {
	v, err := x.c.invoke(ctx, opSleep, map[string]effects.Value{"ms": effects.Int(millis(d))})
	if err != nil {
		return err
	}
	return decodeNull(opSleep, v)
}

// LogicalNow returns the Lamport clock without advancing it.
func (x *Clock) LogicalNow(ctx context.Context) (uint64, error) {
	v, err := x.c.invoke(ctx, opLogicalNow, nil)
	if err != nil {
		return 0, err
	}
	return decodeUint(opLogicalNow, v)
}

// LogicalAdvance advances the Lamport clock past observed (0 for a local
// event) and returns its new value, max(clock, observed) + 1.
func (x *Clock) LogicalAdvance(ctx context.Context, observed uint64) (uint64, error) {
	v, err := x.c.invoke(ctx, opLogicalAdvance, map[string]effects.Value{"observed": effects.Uint(observed)})
	if err != nil {
		return 0, err
	}
	return decodeUint(opLogicalAdvance, v)
}

// OrderTime returns an opaque 32-byte token that orders events totally:
// compare tokens with bytes.Compare.
func (x *Clock) OrderTime(ctx context.Context) ([]byte, error) {
	v, err := x.c.invoke(ctx, opOrderTime, nil)
	if err != nil {
		return nil, err
	}
	return decodeBytes(opOrderTime, v, OrderTokenSize)
}
