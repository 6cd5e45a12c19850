package host_test

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
)

// discardExporter takes the batch span processor's batches and drops them:
// the benchmark measures the host's side of tracing, not a collector.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

// BenchmarkRoutedCallTracing is a routed call to an in-process handler
// with tracing off (the router's nil check) and on (a span per call,
// through the batch span processor that tracing.Start installs, to an
// exporter that drops the batches), in the same run.
func BenchmarkRoutedCallTracing(b *testing.B) {
	reg := effects.NewRegistry()
	echo := effects.HandlerFunc(func(_ context.Context, c *effects.Call) (effects.Value, error) { return c.Arg("value"), nil })
	spec := effects.OpSpec{ID: "test.echo", Params: []effects.Param{{Name: "value", Kind: effects.KindAny}},
		Result: effects.KindAny, Determinism: effects.Pure}
	if err := reg.Register("inproc", echo, spec); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	c := &effects.Call{Op: "test.echo", Args: payload}
	off := host.NewRouter(reg, effects.DeriveAuthorityID("bench", 0))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discardExporter{}))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	on := host.NewRouter(reg, effects.DeriveAuthorityID("bench", 0))
	on.Trace(tp)
	for _, r := range []struct {
		name   string
		router *host.Router
	}{{"off", off}, {"on", on}} {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.router.Invoke(ctx, c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
