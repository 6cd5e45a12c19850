package clock

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, and the family of its operations.
const Name = "clock"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// TokenSize is the length of an order_time token: 8 bytes of Unix
// milliseconds, 8 bytes of sequence within that millisecond, and the 16
// bytes of the authority, all compared as one big-endian byte string.
const TokenSize = 8 + 8 + 16

// New returns the clock plugin, ready to Serve.
func New() *sdk.Plugin { return newClock(time.Now).plugin() }

// clock is one plugin instance. now is injected so that tests can move the
// wall clock, including backwards.
type clock struct {
	now func() time.Time

	mu          sync.Mutex
	uncertainty int64 // ms, from config
	authority   sdk.AuthorityID
	lamport     uint64
	lastMS      uint64 // of the last order_time token
	seq         uint64 // of the last order_time token within lastMS
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
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: "clock.physical_time",
				Doc: "Reads the wall clock. Returns a map {ms: int (milliseconds since the Unix epoch), " +
					"uncertainty_ms: int (the configured bound on the clock's error)}.",
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: c.physicalTime,
		},
		{
			Spec: sdk.OpSpec{
				ID: "clock.sleep_ms",
				Doc: "Waits ms milliseconds, then returns null. Returns at once with the cancelled or timeout " +
					"error when the call is cancelled or its deadline passes first.",
				Params:      []sdk.Param{{Name: "ms", Kind: sdk.KindInt, Doc: "milliseconds to wait, 0 or more"}},
				Result:      sdk.KindNull,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: c.sleep,
		},
		{
			Spec: sdk.OpSpec{
				ID:          "clock.logical_now",
				Doc:         "Returns the Lamport clock's current value (uint) without advancing it; a fresh clock reads 0.",
				Result:      sdk.KindUint,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: c.logicalNow,
		},
		{
			Spec: sdk.OpSpec{
				ID: "clock.logical_advance",
				Doc: "Advances the Lamport clock past an observed timestamp: the clock becomes " +
					"max(clock, observed) + 1, which is returned (uint). Use observed 0 to tick for a local event.",
				Params: []sdk.Param{{Name: "observed", Kind: sdk.KindUint,
					Doc: "the logical timestamp seen on a received message, or 0 for a local event"}},
				Result:      sdk.KindUint,
				Determinism: sdk.WritesWorld,
			},
			Handle: c.logicalAdvance,
		},
		{
			Spec: sdk.OpSpec{
				ID: "clock.order_time",
				Doc: "Returns an opaque 32-byte token (bytes) that orders events totally: compare tokens as byte " +
					"strings. Tokens of one authority strictly increase, even if the wall clock steps back; tokens " +
					"of different authorities never tie, and follow wall-clock order to the millisecond.",
				Result:      sdk.KindBytes,
				Idempotent:  true, // a retry yields a later token, which is as good
				Determinism: sdk.ReadsWorld,
			},
			Handle: c.orderTime,
		},
	}
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
	return sdk.Uint(c.lamport), nil
}

func (c *clock) logicalAdvance(_ context.Context, call *sdk.Call) (sdk.Value, error) {
	observed, _ := call.Arg("observed").AsUint()
	c.mu.Lock()
	defer c.mu.Unlock()
	next := max(c.lamport, observed)
	if next == math.MaxUint64 {
		return sdk.Value{}, sdk.Errorf(sdk.CodeExhausted, "the logical clock cannot advance past %d", uint64(math.MaxUint64))
	}
	c.lamport = next + 1
	return sdk.Uint(c.lamport), nil
}

func (c *clock) orderTime(_ context.Context, _ *sdk.Call) (sdk.Value, error) {
	ms := uint64(max(c.now().UnixMilli(), 0))
	c.mu.Lock()
	if ms > c.lastMS {
		c.lastMS, c.seq = ms, 0
	} else {
		// The same millisecond, or the wall clock went back: stay on the
		// last millisecond and count on. After 2^64 tokens in one
		// millisecond, borrow the next.
		c.seq++
		if c.seq == 0 {
			c.lastMS++
		}
	}
	var token [TokenSize]byte
	binary.BigEndian.PutUint64(token[0:], c.lastMS)
	binary.BigEndian.PutUint64(token[8:], c.seq)
	copy(token[16:], c.authority[:])
	c.mu.Unlock()
	return sdk.Bytes(token[:]), nil
}
