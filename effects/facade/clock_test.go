package facade_test

import (
	"context"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

func clockCases() []methodCase {
	token := append(filled(16, 0), filled(16, 0xaa)...)
	return []methodCase{
		{
			name: "Clock.PhysicalTime",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Clock.PhysicalTime(ctx) },
			op:   effects.ClockPhysicalTime, args: effects.Null(),
			reply: obj(map[string]effects.Value{"ms": i64(1_700_000_000_123), "uncertainty_ms": i64(5)}),
			want:  facade.PhysicalTime{Ms: 1_700_000_000_123, UncertaintyMs: 5},
		},
		{
			name: "Clock.Sleep",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return nil, fx.Clock.Sleep(ctx, 1500*time.Microsecond)
			},
			op: effects.ClockSleepMS, args: args("ms", i64(2)),
			reply: effects.Null(), want: nil,
		},
		{
			name: "Clock.LogicalNow",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Clock.LogicalNow(ctx) },
			op:   effects.ClockLogicalNow, args: effects.Null(),
			reply: u64(7), want: uint64(7),
		},
		{
			name: "Clock.LogicalAdvance",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Clock.LogicalAdvance(ctx, 10) },
			op:   effects.ClockLogicalAdvance, args: args("observed", u64(10)),
			reply: u64(11), want: uint64(11),
		},
		{
			name: "Clock.OrderTime",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Clock.OrderTime(ctx) },
			op:   effects.ClockOrderTime, args: effects.Null(),
			reply: effects.Bytes(token), want: token,
		},
	}
}

// TestSleepRoundsUpToWholeMilliseconds checks that a sleep is never
// shorter than asked, and that a negative one is no sleep.
func TestSleepRoundsUpToWholeMilliseconds(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want int64
	}{
		{-time.Second, 0}, {0, 0}, {time.Nanosecond, 1}, {time.Millisecond, 1},
		{time.Millisecond + 1, 2}, {time.Minute, 60_000},
	} {
		f := newFake(t)
		f.reply(effects.ClockSleepMS, effects.Null())
		if err := f.clients().Clock.Sleep(t.Context(), tc.d); err != nil {
			t.Fatal(err)
		}
		if got := f.take()[0].Arg("ms"); !got.Equal(i64(tc.want)) {
			t.Errorf("Sleep(%v) sent ms %v, want %d", tc.d, got, tc.want)
		}
	}
}

func TestPhysicalTimeAsTime(t *testing.T) {
	pt := facade.PhysicalTime{Ms: 1_700_000_000_123}
	if got := pt.Time(); !got.Equal(time.UnixMilli(1_700_000_000_123)) {
		t.Errorf("Time() = %v", got)
	}
}
