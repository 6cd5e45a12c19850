package metrics_test

import (
	"context"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/internal/hosttest"
	"github.com/aurahost/aura-host/host/metrics"
	"github.com/aurahost/aura-host/plugins"
)

// The metrics observer's cost on the routed-call path: the same call
// (random.random_bytes_32) through a host's Router with no observer
// ("bare") and with the metrics observer ("metrics"), measured in the same
// run, against the plugin in process (where the observer's share is
// largest) and as a real process over its gRPC stream. Run:
//
//	go test -run '^$' -bench . -benchtime 200000x ./host/metrics/

func benchHost(b *testing.B, inProcess bool, observed bool) *host.Host {
	b.Helper()
	dep := hosttest.Deployment(b, `
deployment "bench" {
  mode = "testing"
}
plugin "random" { builtin = "random" }
`)
	h, err := host.New(host.Config{Deployment: dep, Executable: auraHost, Builtins: plugins.Lookup, InProcess: inProcess})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
	})
	if observed {
		metrics.New().AddHost("", h)
	}
	return h
}

func BenchmarkRoutedCall(b *testing.B) {
	for _, where := range []struct {
		name      string
		inProcess bool
	}{{"in-process", true}, {"process", false}} {
		for _, obs := range []struct {
			name     string
			observed bool
		}{{"bare", false}, {"metrics", true}} {
			b.Run(where.name+"/"+obs.name, func(b *testing.B) {
				h := benchHost(b, where.inProcess, obs.observed)
				ctx := context.Background()
				call := &effects.Call{Op: effects.RandomBytes32}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := h.Router().Invoke(ctx, call); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
