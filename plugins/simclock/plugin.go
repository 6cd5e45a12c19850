package simclock

import (
	"context"
	"fmt"
	"sync"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/clockops"
	"github.com/aurahost/aura-host/plugins/internal/simcontrol"
	"github.com/aurahost/aura-host/plugins/internal/standin"
	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, as a deployment writes it in builtin = "...".
const Name = "sim-clock"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// The families of the plugin's operations: the clock family it stands in
// for, and the simulator's controls.
const (
	FamilyClock       = "clock"
	FamilyTimeControl = "time_control"
)

// TokenSize is the length of an order_time token: 8 bytes of virtual
// milliseconds, 8 bytes of sequence within that millisecond, and the 16
// bytes of the authority — the clock plugin's tokens, on virtual time.
const TokenSize = clockops.TokenSize

// New returns the simulation clock plugin with its own virtual clock at 0,
// ready to Serve.
func New() *sdk.Plugin {
	return (&simClock{clock: NewClock(0), control: simcontrol.NewOwner(true)}).plugin()
}

// NewWithClock returns the plugin serving an existing clock, so that
// several plugin instances (one per agent) share one virtual time.
func NewWithClock(c *Clock) *sdk.Plugin {
	return (&simClock{clock: c, control: simcontrol.NewOwner(false)}).plugin()
}

// simClock is one plugin instance: a view of a shared Clock, with a
// Lamport clock and an order_time sequence per authority — one, when the
// instance is configured for an authority; one per agent when a host
// shares it between its agents and each call names its own.
type simClock struct {
	clock *Clock
	// control is who may call time_control.*: the clock's owner, not an
	// agent living on it (simcontrol).
	control *simcontrol.Owner

	mu          sync.Mutex
	uncertainty int64
	logical     map[sdk.AuthorityID]*clockops.Logical
	skews       map[sdk.AuthorityID]*skew // clock_skew faults (skew.go)
}

// of returns the logical time of authority. Called with mu.
func (s *simClock) of(authority sdk.AuthorityID) *clockops.Logical {
	if s.logical == nil {
		s.logical = map[sdk.AuthorityID]*clockops.Logical{}
	}
	l, ok := s.logical[authority]
	if !ok {
		l = &clockops.Logical{}
		s.logical[authority] = l
	}
	return l
}

func (s *simClock) plugin() *sdk.Plugin {
	return &sdk.Plugin{
		Name:    Name,
		Version: Version,
		Config: []sdk.ConfigField{
			{
				Name:    "uncertainty_ms",
				Kind:    sdk.KindInt,
				Default: sdk.Int(0),
				Doc: "The uncertainty, in milliseconds, that physical_time reports, as the clock plugin's " +
					"attribute of the same name (virtual time itself is exact). Default 0; must not be negative.",
			},
			{
				Name:    "start_ms",
				Kind:    sdk.KindInt,
				Default: sdk.Int(0),
				Doc: "The virtual time, in milliseconds, to start from. Default 0. It may move a shared clock " +
					"forward, never back.",
			},
		},
		Configure:  s.configure,
		Operations: s.operations(),
	}
}

func intConfig(c *sdk.Configuration, name string) int64 {
	v, _ := c.Get(name).AsInt()
	return v
}

func (s *simClock) configure(_ context.Context, cfg *sdk.Configuration) error {
	uncertainty, start := intConfig(cfg, "uncertainty_ms"), intConfig(cfg, "start_ms")
	if uncertainty < 0 {
		return &sdk.ConfigError{Path: []string{"uncertainty_ms"}, Summary: "negative clock uncertainty",
			Detail: fmt.Sprintf("uncertainty_ms must be 0 or more, got %d.", uncertainty)}
	}
	if start < 0 {
		return &sdk.ConfigError{Path: []string{"start_ms"}, Summary: "negative start time",
			Detail: fmt.Sprintf("start_ms must be 0 or more, got %d.", start)}
	}
	if now := s.clock.Now(); start > now {
		if err := s.clock.Set(start); err != nil {
			return &sdk.ConfigError{Path: []string{"start_ms"}, Summary: "cannot start the clock there", Detail: err.Error()}
		}
	}
	s.control.Configured(cfg.Authority)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uncertainty = uncertainty
	return nil
}

func (s *simClock) operations() []sdk.Operation {
	ops := clockops.Operations(clockops.Handlers{
		PhysicalTime: s.physicalTime, SleepMS: s.sleep, LogicalNow: s.logicalNow,
		LogicalAdvance: s.logicalAdvance, OrderTime: s.orderTime,
	})
	ops = standin.Describe(ops, map[sdk.OpID]standin.Doc{
		effects.ClockPhysicalTime: {Op: "Reads the virtual clock as the calling authority sees it (virtual time plus the skew " +
			"time_control.set_skew gave it, if any). Returns a map {ms: int (virtual milliseconds, from 0 unless " +
			"start_ms says otherwise), uncertainty_ms: int (the configured uncertainty)}."},
		effects.ClockSleepMS: {
			Op: "Waits until virtual time has advanced by ms milliseconds (time_control.advance_time moves " +
				"it), then returns null. Returns with the cancelled or timeout error when the call is cancelled " +
				"or its real deadline passes first.",
			Params: map[string]string{"ms": "virtual milliseconds to wait, 0 or more"},
		},
		effects.ClockOrderTime: {Op: "Returns an opaque 32-byte token (bytes) that orders events totally: compare tokens as byte " +
			"strings. Tokens of one instance strictly increase; they follow virtual time to the millisecond " +
			"and end with the authority, so different authorities never tie."},
	})
	return append(append(ops, s.control.Guard(s.timeControlOperations())...), s.skewOperations()...)
}

func (s *simClock) timeControlOperations() []sdk.Operation {
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: effects.TimeControlAdvanceTime,
				Doc: "Moves virtual time forward by ms milliseconds, waking every sleep whose deadline has come, " +
					"in deadline order (equal deadlines in the order the sleeps began). Returns the new time (int).",
				Params:      []sdk.Param{{Name: "ms", Kind: sdk.KindInt, Doc: "milliseconds to advance, 0 or more"}},
				Result:      sdk.KindInt,
				Determinism: sdk.WritesWorld,
			},
			Handle: s.advanceTime,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.TimeControlSetTime,
				Doc: "Sets virtual time to ms, which must not be earlier than now (a conflict error otherwise), " +
					"waking the sleeps that are due. Returns the new time (int).",
				Params:      []sdk.Param{{Name: "ms", Kind: sdk.KindInt, Doc: "the virtual time to move to, in milliseconds"}},
				Result:      sdk.KindInt,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: s.setTime,
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.TimeControlNow,
				Doc:         "Returns the virtual time in milliseconds (int).",
				Result:      sdk.KindInt,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.now,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.TimeControlNextDeadline,
				Doc: "Returns the virtual time (int) at which the earliest pending sleep wakes, or null when " +
					"nothing sleeps, so a simulator can jump straight to it.",
				Result:      sdk.KindAny,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.nextDeadline,
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.TimeControlPendingSleepers,
				Doc:         "Returns how many sleeps are waiting for virtual time to pass (int).",
				Result:      sdk.KindInt,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.pendingSleepers,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.TimeControlWaitForSleepers,
				Doc: "Waits until at least n sleeps are pending, then returns how many are (int): a simulator " +
					"running a protocol in another goroutine learns, without polling, that the protocol is blocked " +
					"in clock.sleep_ms and time may be moved to next_deadline. Sleeps of every instance sharing the " +
					"clock count. Returns at once when n is 0 or already reached; returns with the cancelled or " +
					"timeout error when the call is cancelled or its real deadline passes first — a simulator should " +
					"cancel it when the protocol finishes without sleeping again.",
				Params:      []sdk.Param{{Name: "n", Kind: sdk.KindInt, Doc: "how many pending sleeps to wait for, 0 or more"}},
				Result:      sdk.KindInt,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.waitForSleepers,
		},
	}
}

func (s *simClock) physicalTime(_ context.Context, call *sdk.Call) (sdk.Value, error) {
	now := s.clock.Now()
	s.mu.Lock()
	uncertainty, ms := s.uncertainty, s.read(call.Authority, now)
	s.mu.Unlock()
	return sdk.Map(map[string]sdk.Value{"ms": sdk.Int(ms), "uncertainty_ms": sdk.Int(uncertainty)}), nil
}

func (s *simClock) sleep(ctx context.Context, call *sdk.Call) (sdk.Value, error) {
	ms, _ := call.Arg("ms").AsInt()
	if ms < 0 {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "ms must be 0 or more, got %d", ms)
	}
	if err := s.clock.Sleep(ctx, ms); err != nil {
		return sdk.Value{}, err // ctx's error: the SDK types it as cancelled or timeout
	}
	return sdk.Null(), nil
}

func (s *simClock) logicalNow(_ context.Context, call *sdk.Call) (sdk.Value, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sdk.Uint(s.of(call.Authority).Now()), nil
}

func (s *simClock) logicalAdvance(_ context.Context, call *sdk.Call) (sdk.Value, error) {
	observed, _ := call.Arg("observed").AsUint()
	s.mu.Lock()
	defer s.mu.Unlock()
	next, err := s.of(call.Authority).Advance(observed)
	if err != nil {
		return sdk.Value{}, err
	}
	return sdk.Uint(next), nil
}

func (s *simClock) orderTime(_ context.Context, call *sdk.Call) (sdk.Value, error) {
	ms := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	token := s.of(call.Authority).Order(ms, call.Authority)
	return sdk.Bytes(token[:]), nil
}

func (s *simClock) advanceTime(_ context.Context, call *sdk.Call) (sdk.Value, error) {
	ms, _ := call.Arg("ms").AsInt()
	if ms < 0 {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "ms must be 0 or more: virtual time only moves forward, got %d", ms)
	}
	now, err := s.clock.Advance(ms)
	if err != nil {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "%v", err)
	}
	return sdk.Int(now), nil
}

func (s *simClock) setTime(_ context.Context, call *sdk.Call) (sdk.Value, error) {
	ms, _ := call.Arg("ms").AsInt()
	if err := s.clock.Set(ms); err != nil {
		return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "%v", err)
	}
	return sdk.Int(ms), nil
}

func (s *simClock) now(_ context.Context, _ *sdk.Call) (sdk.Value, error) {
	return sdk.Int(s.clock.Now()), nil
}

func (s *simClock) nextDeadline(_ context.Context, _ *sdk.Call) (sdk.Value, error) {
	if d, ok := s.clock.NextDeadline(); ok {
		return sdk.Int(d), nil
	}
	return sdk.Null(), nil
}

func (s *simClock) pendingSleepers(_ context.Context, _ *sdk.Call) (sdk.Value, error) {
	return sdk.Int(int64(s.clock.PendingSleepers())), nil
}

func (s *simClock) waitForSleepers(ctx context.Context, call *sdk.Call) (sdk.Value, error) {
	n, _ := call.Arg("n").AsInt()
	if n < 0 {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "n must be 0 or more, got %d", n)
	}
	pending, err := s.clock.waitPending(ctx, func(pending int) bool { return int64(pending) >= n })
	if err != nil {
		return sdk.Value{}, err // ctx's error: the SDK types it as cancelled or timeout
	}
	return sdk.Int(int64(pending)), nil
}
