package metrics

import (
	"context"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// BenchmarkObserve is the metrics observer's own cost per routed call,
// beside an observer that does nothing (what the router pays to call any
// observer), in the same run:
//
//	go test -run '^$' -bench Observe -count 6 ./host/metrics/
func BenchmarkObserve(b *testing.B) {
	reg := effects.NewRegistry()
	spec := effects.OpSpec{ID: "bench.op", Result: effects.KindBytes, Determinism: effects.Pure}
	h := effects.HandlerFunc(func(context.Context, *effects.Call) (effects.Value, error) { return effects.Value{}, nil })
	if err := reg.Register("bench", h, spec); err != nil {
		b.Fatal(err)
	}
	m := New()
	hm := &hostMetrics{m: m, agent: "a", registry: reg, budgets: newBudgetKeys(maxBudgetKeys)}
	hm.unknown = opMetrics{calls: m.calls.WithLabelValues("a", "", UnknownOp), latency: m.duration.WithLabelValues("a", "", UnknownOp)}
	call := &effects.Call{Op: "bench.op"}
	nothing := func(*effects.Call, effects.Value, error, time.Duration) {}
	b.Run("empty-observer", func(b *testing.B) {
		o := nothing
		for b.Loop() {
			o(call, effects.Value{}, nil, 150*time.Microsecond)
		}
	})
	b.Run("metrics-observer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			hm.observe(call, effects.Value{}, nil, 150*time.Microsecond)
		}
	})
	b.Run("metrics-observer-error", func(b *testing.B) {
		b.ReportAllocs()
		err := &effects.Error{Code: effects.CodeNotFound, Op: "bench.op"}
		for b.Loop() {
			hm.observe(call, effects.Value{}, err, 150*time.Microsecond)
		}
	})
}
