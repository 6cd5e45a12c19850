package clock

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

var args, mustInvoke = plugintest.Args, plugintest.Must

// fakeNow is a wall clock the test sets by hand.
type fakeNow struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeNow) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeNow) set(ms int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = time.UnixMilli(ms)
}

func TestConformance(t *testing.T) {
	t.Parallel()
	sdktest.Conformance(t, New(),
		sdktest.WithBlockingCall(effects.ClockSleepMS, args("ms", sdk.Int(int64(time.Hour/time.Millisecond)))))
}

func TestPhysicalTime(t *testing.T) {
	t.Parallel()
	fake := &fakeNow{}
	fake.set(1_700_000_000_123)
	h := sdktest.New(t, newClock(fake.now).plugin(), sdktest.WithConfig(args("uncertainty_ms", sdk.Int(25))))
	got := mustInvoke(t, h, effects.ClockPhysicalTime, sdk.Null())
	want := sdk.Map(map[string]sdk.Value{"ms": sdk.Int(1_700_000_000_123), "uncertainty_ms": sdk.Int(25)})
	if !got.Equal(want) {
		t.Fatalf("physical_time = %v, want %v", got, want)
	}

	// The real clock, with the default uncertainty.
	real := mustInvoke(t, sdktest.New(t, New()), effects.ClockPhysicalTime, sdk.Null())
	ms, _ := real.Get("ms")
	if v, _ := ms.AsInt(); v < 1_700_000_000_000 {
		t.Fatalf("physical_time of the real clock = %v, before 2023", real)
	}
	if u, _ := real.Get("uncertainty_ms"); !u.Equal(sdk.Int(0)) {
		t.Fatalf("default uncertainty = %v, want 0", u)
	}
}

func TestConfigureRejectsNegativeUncertainty(t *testing.T) {
	t.Parallel()
	err := newClock(time.Now).configure(context.Background(), &sdk.Configuration{Values: args("uncertainty_ms", sdk.Int(-1))})
	var ce *sdk.ConfigError
	if !errors.As(err, &ce) || !slices.Equal(ce.Path, []string{"uncertainty_ms"}) || !strings.Contains(ce.Detail, "got -1") {
		t.Fatalf("got %#v, want a config error on uncertainty_ms", err)
	}
}

func TestSleep(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, New())
	hour := args("ms", sdk.Int(int64(time.Hour/time.Millisecond)))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel2()
	cases := []struct {
		name string
		ctx  context.Context
		args sdk.Value
		want *effects.Error // nil: success
	}{
		{"zero returns at once", context.Background(), args("ms", sdk.Int(0)), nil},
		{"a short sleep ends", context.Background(), args("ms", sdk.Int(1)), nil},
		{"negative", context.Background(), args("ms", sdk.Int(-5)), effects.ErrInvalidArgs},
		{"cancelled", cancelled, hour, effects.ErrCancelled},
		{"deadline", expired, hour, effects.ErrTimeout},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := h.Invoke(tc.ctx, effects.ClockSleepMS, tc.args)
			if tc.want == nil {
				if err != nil || !v.IsNull() {
					t.Fatalf("got %v, %v; want null", v, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %s", err, tc.want.Code)
			}
		})
	}
}

// TestSleepHandlerStopsWhenCancelled checks the plugin side, not only the
// caller: the handler itself returns with the context's error, including
// for a sleep too long for a time.Duration (which must not wrap around to
// a negative, already expired, timer).
func TestSleepHandlerStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	for _, ms := range []int64{int64(time.Hour / time.Millisecond), math.MaxInt64} {
		c := newClock(time.Now)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := c.sleep(ctx, &sdk.Call{Op: effects.ClockSleepMS, Args: args("ms", sdk.Int(ms))})
			done <- err
		}()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("sleep_ms(%d): handler returned %v, want context.Canceled", ms, err)
		}
	}
}

func TestLogicalClock(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, New())
	plugintest.Run(t, h, []plugintest.Step{
		{Op: effects.ClockLogicalNow, Args: sdk.Null(), Want: sdk.Uint(0)},
		{Op: effects.ClockLogicalAdvance, Args: args("observed", sdk.Uint(0)), Want: sdk.Uint(1)},
		{Op: effects.ClockLogicalAdvance, Args: args("observed", sdk.Uint(10)), Want: sdk.Uint(11)},
		{Op: effects.ClockLogicalAdvance, Args: args("observed", sdk.Uint(5)), Want: sdk.Uint(12)},
		{Op: effects.ClockLogicalNow, Args: sdk.Null(), Want: sdk.Uint(12)},
		{Op: effects.ClockLogicalNow, Args: sdk.Null(), Want: sdk.Uint(12)},
		{Op: effects.ClockLogicalAdvance, Args: args("observed", sdk.Uint(math.MaxUint64-1)), Want: sdk.Uint(math.MaxUint64)},
		{Op: effects.ClockLogicalAdvance, Args: args("observed", sdk.Uint(0)), Code: sdk.CodeExhausted},
		{Op: effects.ClockLogicalNow, Args: sdk.Null(), Want: sdk.Uint(math.MaxUint64)},
	})
}

func token(t *testing.T, h *sdktest.Harness) []byte {
	t.Helper()
	b, ok := mustInvoke(t, h, effects.ClockOrderTime, sdk.Null()).AsBytes()
	if !ok || len(b) != TokenSize {
		t.Fatalf("order_time returned %x, want %d bytes", b, TokenSize)
	}
	return b
}

func TestOrderTimeIncreasesEvenWhenTheWallClockGoesBack(t *testing.T) {
	t.Parallel()
	fake := &fakeNow{}
	alice := effects.DeriveAuthorityID("alice", 0)
	h := sdktest.New(t, newClock(fake.now).plugin(), sdktest.WithAuthority(alice))
	var prev []byte
	for i, ms := range []int64{1000, 1000, 1000, 999, 500, 1001, 2000, -5} {
		fake.set(ms)
		tok := token(t, h)
		if prev != nil && bytes.Compare(prev, tok) >= 0 {
			t.Fatalf("token %d (wall clock %d ms) %x is not after %x", i, ms, tok, prev)
		}
		if !bytes.Equal(tok[16:], alice[:]) {
			t.Fatalf("token %d does not end with the authority", i)
		}
		prev = tok
	}
	if ms := binary.BigEndian.Uint64(prev[:8]); ms != 2000 {
		t.Fatalf("after the clock went back to before 1970 the token reads %d ms, want it held at 2000", ms)
	}
}

func TestOrderTimeAcrossAuthorities(t *testing.T) {
	t.Parallel()
	fake := &fakeNow{}
	fake.set(5000)
	a := sdktest.New(t, newClock(fake.now).plugin(), sdktest.WithAuthority(effects.DeriveAuthorityID("a", 0)))
	b := sdktest.New(t, newClock(fake.now).plugin(), sdktest.WithAuthority(effects.DeriveAuthorityID("b", 0)))
	ta, tb := token(t, a), token(t, b)
	if bytes.Equal(ta, tb) {
		t.Fatal("two authorities produced the same token in the same millisecond")
	}
	fake.set(5001)
	if later := token(t, a); bytes.Compare(later, tb) <= 0 || bytes.Compare(later, ta) <= 0 {
		t.Fatal("a token from a later millisecond does not order after both earlier ones")
	}
}

func TestOrderTimeConcurrentTokensAreDistinct(t *testing.T) {
	t.Parallel()
	fake := &fakeNow{}
	fake.set(42)
	h := sdktest.New(t, newClock(fake.now).plugin())
	const n = 64
	tokens := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			v, err := h.Invoke(context.Background(), effects.ClockOrderTime, sdk.Null())
			if err != nil {
				t.Error(err)
				return
			}
			tokens[i] = v.BytesString()
		})
	}
	wg.Wait()
	slices.Sort(tokens)
	if len(slices.Compact(tokens)) != n {
		t.Fatal("concurrent order_time calls returned duplicate tokens")
	}
}
