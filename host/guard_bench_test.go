package host_test

import (
	"context"
	"crypto/ed25519"
	"syscall"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/guard"
)

// BenchmarkGuardChain measures what the guard chain adds to a call in
// process: the same guarded operation (a service's, so capability, journal
// coupling and leakage run, with an in-process journal that keeps nothing)
// through a router without the chain and through one with it, in
// alternating batches so that load from elsewhere hits both alike; and,
// reported apart, a send, which also charges a flow budget and signs a
// receipt (Ed25519). Every handler is in process and does nothing, so the
// figures are the router's and the chain's own. Run:
//
//	go test -run '^$' -bench GuardChain -benchtime 200000x ./host/
//
// Metrics: unguarded-ns and guarded-ns per call, guard-ns their
// difference (target ≤ 2000), guard-cpu-ns the same difference in the
// process's CPU time (GC included; what the chain costs when the machine
// is busy with other work and wall time counts waiting for a CPU), guard-allocs the allocations the chain adds
// to a call (its two facts: the operation and its leakage), signed-send-ns
// per guarded send (charge, receipt signed and kept, two more facts).
func BenchmarkGuardChain(b *testing.B) {
	ctx := context.Background()
	authority := effects.DeriveAuthorityID("bench", 0)
	peer := effects.DeriveAuthorityID("peer", 0)
	reg := effects.NewRegistry()
	nop := effects.HandlerFunc(func(context.Context, *effects.Call) (effects.Value, error) { return effects.Null(), nil })
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(reg.Register("svc", nop, effects.OpSpec{ID: "session.touch", Result: effects.KindAny, Determinism: effects.WritesWorld}))
	must(reg.Register("journal", nop, effects.OpSpec{ID: effects.JournalAppendFact, Result: effects.KindAny, Determinism: effects.WritesWorld,
		Params: []effects.Param{{Name: "fact", Kind: effects.KindAny}}}))
	must(reg.Register("network", nop, effects.OpSpec{ID: effects.NetworkSendEnvelope, Result: effects.KindAny, Determinism: effects.WritesWorld,
		Params: []effects.Param{{Name: "envelope", Kind: effects.KindAny}}}))

	plain := host.NewRouter(reg, authority)
	guarded := host.NewRouter(reg, authority)
	guarded.Guard(host.GuardConfig{Allow: []string{"*"}, FlowBudgetLimit: 1 << 62,
		Signer: guard.KeySigner(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))), Store: guard.NewMemStore()})

	touch := &effects.Call{Op: "session.touch", Args: effects.Map(nil)}
	send := &effects.Call{Op: effects.NetworkSendEnvelope, Args: effects.Map(map[string]effects.Value{
		"envelope": guard.Envelope{Source: authority, Destination: peer, Context: effects.DeriveContextID("bench", 0),
			Payload: make([]byte, 64)}.Value()})}
	// batch returns the wall time of n calls and the CPU time the process
	// spent meanwhile (GC included): on a loaded machine the wall time
	// also counts waiting for a CPU, the CPU time does not.
	batch := func(r *host.Router, c *effects.Call, n int) (wall, cpu time.Duration) {
		cpu0, start := processCPU(b), time.Now()
		for range n {
			if _, err := r.Invoke(ctx, c); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start), processCPU(b) - cpu0
	}
	const size = 100
	// Allocations do not depend on the machine's load, unlike the times.
	allocs := func(r *host.Router, c *effects.Call) float64 {
		return testing.AllocsPerRun(1000, func() { _, _ = r.Invoke(ctx, c) })
	}
	guardAllocs := allocs(guarded, touch) - allocs(plain, touch)
	batch(plain, touch, 1000) // warm up
	batch(guarded, touch, 1000)
	batch(guarded, send, 1000)
	rounds := max(b.N/size, 10)
	var tPlain, tGuarded, tSend, cPlain, cGuarded, cSend time.Duration
	add := func(t, c *time.Duration, wall, cpu time.Duration) { *t += wall; *c += cpu }
	b.ResetTimer()
	for range rounds {
		w, c := batch(plain, touch, size)
		add(&tPlain, &cPlain, w, c)
		w, c = batch(guarded, touch, size)
		add(&tGuarded, &cGuarded, w, c)
		w, c = batch(guarded, send, size)
		add(&tSend, &cSend, w, c)
	}
	calls := float64(rounds * size)
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / calls }
	b.ReportMetric(per(tPlain), "unguarded-ns")
	b.ReportMetric(per(tGuarded), "guarded-ns")
	b.ReportMetric(per(tGuarded)-per(tPlain), "guard-ns")
	b.ReportMetric(per(tSend), "signed-send-ns")
	b.ReportMetric(per(cGuarded)-per(cPlain), "guard-cpu-ns")
	b.ReportMetric(per(cSend), "signed-send-cpu-ns")
	b.ReportMetric(guardAllocs, "guard-allocs")
	b.ReportMetric(0, "ns/op")
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
