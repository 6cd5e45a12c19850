package health_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/health"
	"github.com/aurahost/aura-host/host/lifecycle"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestEMA(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		alpha   float64
		samples []float64
		want    []float64
	}{
		{"first sample is taken as is", 0.2, []float64{100}, []float64{100}},
		{"each later one moves by alpha of the gap", 0.5, []float64{100, 200, 200}, []float64{100, 150, 175}},
		{"alpha 1 follows the last sample", 1, []float64{3, 9, 1}, []float64{3, 9, 1}},
		{"a constant stays constant", 0.2, []float64{7, 7, 7, 7}, []float64{7, 7, 7, 7}},
		{"a drop is smoothed", 0.25, []float64{0, 400}, []float64{0, 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := health.EMA{Alpha: tt.alpha}
			if e.Value() != 0 || e.Samples() != 0 {
				t.Fatalf("zero EMA = %v after %d samples", e.Value(), e.Samples())
			}
			for i, x := range tt.samples {
				if got := e.Add(x); !near(got, tt.want[i]) {
					t.Fatalf("after sample %d (%v): %v, want %v", i, x, got, tt.want[i])
				}
			}
			if e.Samples() != uint64(len(tt.samples)) {
				t.Fatalf("Samples = %d, want %d", e.Samples(), len(tt.samples))
			}
		})
	}
}

func TestBandHysteresis(t *testing.T) {
	t.Parallel()
	b := health.Band{High: 10, Low: 5}
	tests := []struct {
		name     string
		degraded bool
		value    float64
		want     bool
	}{
		{"healthy below low stays healthy", false, 1, false},
		{"healthy between the thresholds stays healthy", false, 9.9, false},
		{"healthy at high degrades", false, 10, true},
		{"healthy above high degrades", false, 50, true},
		{"degraded above high stays degraded", true, 11, true},
		{"degraded between the thresholds stays degraded", true, 6, true},
		{"degraded at low recovers", true, 5, false},
		{"degraded below low recovers", true, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.Next(tt.degraded, tt.value); got != tt.want {
				t.Fatalf("Next(%v, %v) = %v, want %v", tt.degraded, tt.value, got, tt.want)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  health.Config
		want string // "" valid
	}{
		{"zero takes the defaults", health.Config{}, ""},
		{"alpha above 1", health.Config{Alpha: 1.5}, "alpha"},
		{"negative alpha", health.Config{Alpha: -0.1}, "alpha"},
		{"low equal to high", health.Config{RTT: health.Band{High: 5, Low: 5}}, "rtt"},
		{"low above high", health.Config{Loss: health.Band{High: 0.1, Low: 0.3}}, "loss"},
		{"a custom band", health.Config{Churn: health.Band{High: 3, Low: 1}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want an error naming %q", err, tt.want)
			}
			if _, err := health.New(tt.cfg); err == nil {
				t.Fatal("New accepted an invalid config")
			}
		})
	}
}

func TestSendLost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		err           error
		counted, lost bool
	}{
		{"delivered", nil, true, false},
		{"timed out", &effects.Error{Code: effects.CodeTimeout}, true, true},
		{"network unavailable", &effects.Error{Code: effects.CodeUnavailable}, true, true},
		{"deadline passed", fmt.Errorf("send: %w", context.DeadlineExceeded), true, true},
		{"our guard chain denied it", &effects.Error{Code: effects.CodeDenied}, false, false},
		{"our budget was exhausted", &effects.Error{Code: effects.CodeExhausted}, false, false},
		{"bad arguments", &effects.Error{Code: effects.CodeInvalidArgs}, false, false},
		{"some other error", errors.New("boom"), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, l := health.SendLost(tt.err)
			if c != tt.counted || l != tt.lost {
				t.Fatalf("SendLost = (%v, %v), want (%v, %v)", c, l, tt.counted, tt.lost)
			}
		})
	}
}

// step is one sample fed to an observer, and the degraded signals after it.
type step struct {
	feed func(o *health.Observer)
	want []health.Signal
}

func sends(rtt time.Duration, err error, n int) func(*health.Observer) {
	return func(o *health.Observer) {
		for range n {
			o.ObserveSend(rtt, err)
		}
	}
}

func peers(atMS int64, names ...string) func(*health.Observer) {
	return func(o *health.Observer) { o.ObservePeers(names, atMS) }
}

var timeout = &effects.Error{Code: effects.CodeTimeout}

// TestObserverStateMachine walks each signal through healthy → degraded
// → (held between the thresholds) → healthy.
func TestObserverStateMachine(t *testing.T) {
	t.Parallel()
	cfg := health.Config{Alpha: 0.5, RTT: health.Band{High: 100, Low: 50}, Loss: health.Band{High: 0.5, Low: 0.2},
		Queue: health.Band{High: 0.8, Low: 0.4}, Churn: health.Band{High: 10, Low: 2}, Hold: health.Band{High: 0.5, Low: 0.2}}
	tests := []struct {
		name  string
		steps []step
	}{
		{"rtt", []step{
			{sends(40*time.Millisecond, nil, 1), nil},
			{sends(200*time.Millisecond, nil, 1), []health.Signal{health.RTT}}, // 120
			{sends(60*time.Millisecond, nil, 1), []health.Signal{health.RTT}},  // 90: between, held
			{sends(20*time.Millisecond, nil, 1), []health.Signal{health.RTT}},  // 55: still above low
			{sends(20*time.Millisecond, nil, 1), nil},                          // 37.5: recovered
		}},
		{"an unknown round trip is not sampled", []step{
			{sends(-1, nil, 5), nil},
		}},
		{"loss", []step{
			{sends(time.Millisecond, nil, 1), nil},
			{sends(0, timeout, 1), []health.Signal{health.Loss}},            // 0.5
			{sends(time.Millisecond, nil, 1), []health.Signal{health.Loss}}, // 0.25
			{sends(time.Millisecond, nil, 1), nil},                          // 0.125
		}},
		{"our own denials are not loss", []step{
			{sends(0, &effects.Error{Code: effects.CodeDenied}, 10), nil},
		}},
		{"queue", []step{
			{func(o *health.Observer) { o.ObserveQueue(0.9) }, []health.Signal{health.Queue}},
			{func(o *health.Observer) { o.ObserveQueue(0.3) }, []health.Signal{health.Queue}}, // 0.6
			{func(o *health.Observer) { o.ObserveQueue(math.NaN()) }, []health.Signal{health.Queue}},
			{func(o *health.Observer) { o.ObserveQueue(-5) }, nil}, // clamped to 0: 0.3
		}},
		{"churn", []step{
			{peers(0, "a", "b"), nil}, // the baseline: no sample
			{peers(30_000, "c", "d", "e", "f"), []health.Signal{health.Churn}},  // 6 changes in 30 s: 12/min
			{peers(20_000, "a"), []health.Signal{health.Churn}},                 // earlier than the last poll: ignored
			{peers(90_000, "c", "d", "e", "f"), []health.Signal{health.Churn}},  // 0/min: 6, held
			{peers(150_000, "c", "d", "e", "f"), []health.Signal{health.Churn}}, // 3, held
			{peers(210_000, "c", "d", "e", "f"), nil},                           // 1.5: recovered
		}},
		{"hold", []step{
			{func(o *health.Observer) { o.ObserveHold(true) }, nil},
			{func(o *health.Observer) { o.ObserveHold(false) }, []health.Signal{health.Hold}},
			{func(o *health.Observer) { o.ObserveHold(true) }, []health.Signal{health.Hold}},
			{func(o *health.Observer) { o.ObserveHold(true) }, nil},
		}},
		{"two signals at once", []step{
			{func(o *health.Observer) { o.ObserveQueue(1); o.ObserveHold(false) }, []health.Signal{health.Queue, health.Hold}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := health.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			for i, st := range tt.steps {
				st.feed(o)
				s := o.Snapshot()
				if !slices.Equal(s.Degraded, st.want) {
					t.Fatalf("step %d: degraded %v, want %v (snapshot %+v)", i, s.Degraded, st.want, s)
				}
				h := s.Health()
				if len(st.want) == 0 && (h.State != lifecycle.Healthy || s.Pressure() || s.Reason != "") {
					t.Fatalf("step %d: health %v, pressure %v with nothing degraded", i, h, s.Pressure())
				}
				if len(st.want) > 0 {
					if h.State != lifecycle.Degraded || !s.Pressure() {
						t.Fatalf("step %d: health %v, pressure %v, want degraded", i, h, s.Pressure())
					}
					for _, sig := range st.want {
						if !strings.Contains(h.Reason, string(sig)) {
							t.Fatalf("step %d: reason %q does not name %s", i, h.Reason, sig)
						}
					}
				}
			}
		})
	}
}

func TestChurnRate(t *testing.T) {
	t.Parallel()
	o, _ := health.New(health.Config{Alpha: 1})
	o.ObservePeers([]string{"a"}, 1000)
	o.ObservePeers([]string{"b", "c"}, 31_000) // a left, b and c came: 3 in 30 s
	if got := o.Snapshot().ChurnPerMinute; !near(got, 6) {
		t.Fatalf("churn = %v per minute, want 6", got)
	}
}

func TestSnapshotValueIsDeterministic(t *testing.T) {
	t.Parallel()
	run := func() []byte {
		o, _ := health.New(health.Config{})
		for i := range 50 {
			var err error
			if i%7 == 0 {
				err = timeout
			}
			o.ObserveSend(time.Duration(i)*time.Millisecond, err)
			o.ObserveQueue(float64(i%10) / 10)
			o.ObserveHold(i%3 != 0)
			o.ObservePeers([]string{fmt.Sprint(i % 4)}, int64(i)*1000)
		}
		return o.Snapshot().Value().Canonical()
	}
	a, b := run(), run()
	if string(a) != string(b) {
		t.Fatal("the same samples gave different snapshots")
	}
	v, _ := effects.DecodeCanonical(a)
	if sends, _ := v.Get("sends"); sends.String() != "50u" {
		t.Fatalf("sends = %v, want 50 (value %v)", sends, v)
	}
}
