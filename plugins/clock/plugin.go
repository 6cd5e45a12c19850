package clock

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/aurahost/aura-host/plugins/internal/clockops"
	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, and the family of its operations.
const Name = "clock"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// TokenSize is the length of an order_time token: 8 bytes of Unix
// milliseconds, 8 bytes of sequence within that millisecond, and the 16
// bytes of the authority, all compared as one big-endian byte string.
const TokenSize = clockops.TokenSize

// New returns the clock plugin, ready to Serve.
func New() *sdk.Plugin { return newClock(time.Now).plugin() }

// clock is one plugin instance. now is injected so that tests can move the
// wall clock, including backwards.
type clock struct {
	now func() time.Time

	mu          sync.Mutex
	uncertainty int64 // ms, from config
	authority   sdk.AuthorityID
	logical     clockops.Logical
}

func newClock(now func() time.Time) *clock { return &clock{now: now} }

func (c *clock) plugin() *sdk.Plugin {
	return &sdk.Plugin{
		Name:    Name,
		Version: Version,
		Config: []sdk.ConfigField{{
			Name:    "uncertainty_ms",
			Kind:    sdk.KindInt,
			Default: sdk.Int(0),
			Doc: "The bound, in milliseconds, on this machine's wall-clock error that physical_time reports " +
				"(e.g. what NTP guarantees here). Default 0. Must not be negative.",
		}},
		Configure:  c.configure,
		Operations: c.operations(),
	}
}

func (c *clock) configure(_ context.Context, cfg *sdk.Configuration) error {
	var uncertainty int64
	if v, ok := cfg.Values.Get("uncertainty_ms"); ok && !v.IsNull() {
		uncertainty, _ = v.AsInt()
	}
	if uncertainty < 0 {
		return &sdk.ConfigError{Path: []string{"uncertainty_ms"}, Summary: "negative clock uncertainty",
			Detail: fmt.Sprintf("uncertainty_ms is a bound on the clock's error and must be 0 or more, got %d.", uncertainty)}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.uncertainty, c.authority = uncertainty, cfg.Authority
	return nil
}

func (c *clock) operations() []sdk.Operation {
	return clockops.Operations(clockops.Handlers{
		PhysicalTime: c.physicalTime, SleepMS: c.sleep, LogicalNow: c.logicalNow,
		LogicalAdvance: c.logicalAdvance, OrderTime: c.orderTime,
	})
}

func (c *clock) physicalTime(_ context.Context, _ *sdk.Call) (sdk.Value, error) {
	c.mu.Lock()
	uncertainty := c.uncertainty
	c.mu.Unlock()
	return sdk.Map(map[string]sdk.Value{
		"ms":             sdk.Int(c.now().UnixMilli()),
		"uncertainty_ms": sdk.Int(uncertainty),
	}), nil
}

func (c *clock) sleep(ctx context.Context, call *sdk.Call) (sdk.Value, error) {
	ms, _ := call.Arg("ms").AsInt()
	if ms < 0 {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "ms must be 0 or more, got %d", ms)
	}
	if ms > math.MaxInt64/int64(time.Millisecond) {
		ms = math.MaxInt64 / int64(time.Millisecond) // ~292 years: forever, for a caller
	}
	t := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return sdk.Null(), nil
	case <-ctx.Done():
		return sdk.Value{}, ctx.Err() // the SDK types it as cancelled or timeout
	}
}

func (c *clock) logicalNow(_ context.Context, _ *sdk.Call) (sdk.Value, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return sdk.Uint(c.logical.Now()), nil
}

func (c *clock) logicalAdvance(_ context.Context, call *sdk.Call) (sdk.Value, error) {
	observed, _ := call.Arg("observed").AsUint()
	c.mu.Lock()
	defer c.mu.Unlock()
	next, err := c.logical.Advance(observed)
	if err != nil {
		return sdk.Value{}, err
	}
	return sdk.Uint(next), nil
}

func (c *clock) orderTime(_ context.Context, _ *sdk.Call) (sdk.Value, error) {
	ms := c.now().UnixMilli()
	c.mu.Lock()
	token := c.logical.Order(ms, c.authority)
	c.mu.Unlock()
	return sdk.Bytes(token[:]), nil
}
