package effects_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// dispatchFixture is a typical in-process call: a two-argument operation
// (a 64-byte message and a 32-byte key) whose handler does no work, so the
// benchmarks measure routing and argument checking alone.
type dispatchFixture struct {
	reg     *effects.Registry
	handler effects.Handler
	call    *effects.Call
}

func newDispatchFixture(b *testing.B) dispatchFixture {
	b.Helper()
	result := effects.Bytes(make([]byte, 64))
	h := effects.HandlerFunc(func(_ context.Context, c *effects.Call) (effects.Value, error) {
		return result, nil
	})
	reg := effects.NewRegistry()
	// A registry of realistic size, so the lookup is not into a one-entry map.
	for _, fam := range []string{"crypto", "storage", "clock", "random", "console"} {
		for _, op := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
			if err := reg.Register(fam, h, spec(fam+"."+op)); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := reg.Register("crypto-signer", h, effects.OpSpec{
		ID: effects.CryptoEd25519Sign,
		Params: []effects.Param{
			{Name: "msg", Kind: effects.KindBytes},
			{Name: "key", Kind: effects.KindBytes},
		},
		Result:      effects.KindBytes,
		Idempotent:  true,
		Determinism: effects.Pure,
	}); err != nil {
		b.Fatal(err)
	}
	call := &effects.Call{
		Op:        effects.CryptoEd25519Sign,
		Args:      typicalArgs(),
		Authority: effects.DeriveAuthorityID("bench", 1),
	}
	return dispatchFixture{reg: reg, handler: h, call: call}
}

func typicalArgs() effects.Value {
	return effects.Map(map[string]effects.Value{
		"msg": effects.Bytes(bytes.Repeat([]byte{0xab}, 64)),
		"key": effects.Bytes(bytes.Repeat([]byte{0xcd}, 32)),
	})
}

// BenchmarkDirectHandlerCall is the baseline: the handler called directly.
func BenchmarkDirectHandlerCall(b *testing.B) {
	f := newDispatchFixture(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.handler.Invoke(ctx, f.call); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRegistryInvoke is in-process dispatch through Registry.Invoke:
// lookup, argument check against the schema, handler call. Target: ≤ 1 µs.
func BenchmarkRegistryInvoke(b *testing.B) {
	f := newDispatchFixture(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.reg.Invoke(ctx, f.call); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRegistryInvokeVsDirect measures both of the above back to back in
// one run and reports their ratio, so the overhead of routing is read
// against a baseline taken on the same machine at the same moment. Its own
// ns/op is the sum of one direct and one routed call; read direct-ns/op,
// routed-ns/op and routed/direct. (testing.Benchmark cannot be used here: it
// deadlocks when called from inside a running benchmark, so each loop is
// timed by hand over the same b.N.)
func BenchmarkRegistryInvokeVsDirect(b *testing.B) {
	f := newDispatchFixture(b)
	ctx := context.Background()
	b.ResetTimer()

	start := time.Now()
	for range b.N {
		if _, err := f.handler.Invoke(ctx, f.call); err != nil {
			b.Fatal(err)
		}
	}
	direct := time.Since(start)

	start = time.Now()
	for range b.N {
		if _, err := f.reg.Invoke(ctx, f.call); err != nil {
			b.Fatal(err)
		}
	}
	routed := time.Since(start)

	directNs := float64(direct.Nanoseconds()) / float64(b.N)
	routedNs := float64(routed.Nanoseconds()) / float64(b.N)
	b.ReportMetric(directNs, "direct-ns/op")
	b.ReportMetric(routedNs, "routed-ns/op")
	b.ReportMetric(routedNs/directNs, "routed/direct")
}

func BenchmarkCanonicalEncode(b *testing.B) {
	args := typicalArgs()
	buf := args.AppendCanonical(nil)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = args.AppendCanonical(buf[:0])
	}
}

func BenchmarkCanonicalDecode(b *testing.B) {
	enc := typicalArgs().Canonical()
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := effects.DecodeCanonical(enc); err != nil {
			b.Fatal(err)
		}
	}
}
