package tasks

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// DefaultNowTimeout bounds the effect call behind EffectClock.Now, which
// takes no context of its own.
const DefaultNowTimeout = 5 * time.Second

// EffectClockConfig configures an EffectClock.
type EffectClockConfig struct {
	// Handler answers the clock effect: a registry, a router or a plugin
	// client. Required.
	Handler effects.Handler
	// PhysicalTimeOp and SleepOp name the operations to call. Empty means
	// effects.ClockPhysicalTime and effects.ClockSleepMS; set them for a deployment that serves the
	// time effect under other names.
	PhysicalTimeOp effects.OpID
	SleepOp        effects.OpID
	// Authority, Context and Session scope the calls, as every effect call
	// is scoped; an executor bound to an authority refuses calls for
	// another.
	Authority effects.AuthorityID
	Context   effects.ContextID
	Session   effects.SessionID
	// NowTimeout bounds the call that Now makes, since Now has no context
	// to carry a deadline. 0 means DefaultNowTimeout.
	NowTimeout time.Duration
}

// EffectClock is a Clock over effect calls, so that periodic tasks run on
// whatever clock the runtime's handlers provide: the machine's in
// production, the simulator's virtual clock in simulation. Make one with
// NewEffectClock; it is safe for concurrent use.
type EffectClock struct {
	cfg EffectClockConfig

	mu   sync.Mutex
	last time.Time // the latest successful reading, for Now's fallback
}

// NewEffectClock returns a clock calling cfg.Handler. A nil Handler panics:
// it is a wiring bug, not a runtime condition.
func NewEffectClock(cfg EffectClockConfig) *EffectClock {
	if cfg.Handler == nil {
		panic("tasks: NewEffectClock: EffectClockConfig.Handler is nil")
	}
	if cfg.PhysicalTimeOp == "" {
		cfg.PhysicalTimeOp = effects.ClockPhysicalTime
	}
	if cfg.SleepOp == "" {
		cfg.SleepOp = effects.ClockSleepMS
	}
	if cfg.NowTimeout <= 0 {
		cfg.NowTimeout = DefaultNowTimeout
	}
	return &EffectClock{cfg: cfg}
}

// PhysicalTime is a reading of the clock effect.
type PhysicalTime struct {
	At          time.Time     // the reading, in UTC
	Uncertainty time.Duration // the bound on its error the handler reports
}

// PhysicalTime reads the clock effect, reporting failures that Now cannot.
func (c *EffectClock) PhysicalTime(ctx context.Context) (PhysicalTime, error) {
	v, err := c.cfg.Handler.Invoke(ctx, c.call(c.cfg.PhysicalTimeOp, effects.Null()))
	if err != nil {
		return PhysicalTime{}, fmt.Errorf("read the time via %s: %w", c.cfg.PhysicalTimeOp, err)
	}
	ms, ok := intField(v, "ms")
	unc, uok := intField(v, "uncertainty_ms")
	if !ok || !uok || unc < 0 {
		return PhysicalTime{}, fmt.Errorf("read the time via %s: result %v: want {ms: int, uncertainty_ms: int >= 0}",
			c.cfg.PhysicalTimeOp, v)
	}
	pt := PhysicalTime{At: time.UnixMilli(ms).UTC(), Uncertainty: time.Duration(unc) * time.Millisecond}
	c.mu.Lock()
	if pt.At.After(c.last) {
		c.last = pt.At
	}
	c.mu.Unlock()
	return pt, nil
}

func intField(v effects.Value, name string) (int64, bool) {
	f, ok := v.Get(name)
	if !ok {
		return 0, false
	}
	return f.AsInt()
}

// Now reads the clock effect within NowTimeout. The Clock interface gives
// Now no way to fail, so when the call fails Now returns the latest
// successful reading (the zero time if there was none); callers that must
// see the failure use PhysicalTime.
func (c *EffectClock) Now() time.Time {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.NowTimeout)
	defer cancel()
	if pt, err := c.PhysicalTime(ctx); err == nil {
		return pt.At
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// Sleep calls the sleep operation for d, rounded up to whole milliseconds
// so that it never wakes early. When ctx ends it returns ctx.Err(),
// whatever error the handler reported for the cancelled call, so callers
// can tell their own cancellation from a failing clock.
func (c *EffectClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	ms := int64(d / time.Millisecond)
	if d%time.Millisecond != 0 {
		ms++
	}
	args := effects.Map(map[string]effects.Value{"ms": effects.Int(ms)})
	if _, err := c.cfg.Handler.Invoke(ctx, c.call(c.cfg.SleepOp, args)); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return fmt.Errorf("sleep %v via %s: %w", d, c.cfg.SleepOp, err)
	}
	return nil
}

func (c *EffectClock) call(op effects.OpID, args effects.Value) *effects.Call {
	return &effects.Call{Op: op, Args: args, Authority: c.cfg.Authority, Context: c.cfg.Context, Session: c.cfg.Session}
}
