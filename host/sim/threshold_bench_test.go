package sim_test

import (
	"context"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/threshold"
	"github.com/aurahost/aura-host/plugins"
)

// BenchmarkDKG3of5 reports the wall time of a 3-of-5 DKG
// (examples/protocols/frost_dkg.hcl) in simulation (10 % drop and a
// partition healing at 300 ms of virtual time: no wall-clock wait) and in
// production over loopback (each agent's plugins processes, the libp2p
// transport), beside the same run's baseline: a trusted dealer dealing a
// 3-of-5 key (crypto.frost_generate_keys) through device_1's router, what
// a deployment without a DKG does instead.
//
//	go test -run '^$' -bench DKG3of5 -benchtime 5x ./host/sim/
func BenchmarkDKG3of5(b *testing.B) {
	for _, mode := range []effects.Mode{effects.Simulation, effects.Production} {
		b.Run(string(mode), func(b *testing.B) {
			dep := deploymentB(b, dkgDeployment(b, 3, 5, mode))
			var build, dkg, dealer time.Duration
			for range b.N {
				start := time.Now()
				s, err := sim.New(context.Background(), sim.Config{Deployment: dep, Mode: mode, Seed: 7,
					Executable: auraHost, Builtins: plugins.Lookup, Logger: quietLogger(b)})
				if err != nil {
					b.Fatal(err)
				}
				built := time.Now()
				runDKG(b, s, 5)
				ran := time.Now()
				if _, err := s.Agent("device_1").Effects().Crypto.FrostGenerateKeys(context.Background(), 3, 5); err != nil {
					b.Fatal(err)
				}
				build, dkg, dealer = build+built.Sub(start), dkg+ran.Sub(built), dealer+time.Since(ran)
				s.Close(context.Background())
			}
			b.ReportMetric(float64(build.Microseconds())/1e3/float64(b.N), "build-ms")
			b.ReportMetric(float64(dkg.Microseconds())/1e3/float64(b.N), "dkg-ms")
			b.ReportMetric(float64(dealer.Microseconds())/1e3/float64(b.N), "dealer-ms")
			b.ReportMetric(float64(dkg)/float64(dealer), "dkg/dealer")
		})
	}
}

// BenchmarkThresholdSign2of3 reports one 2-of-3 FROST signature with the
// keys a production DKG left in two devices' crypto plugins (processes),
// both rounds driven in process through each device's router
// (threshold.Signer.Sign: 8 plugin calls, and the coordinator journals the
// signature as a fact its device key signs), beside the same run's baseline: one
// single-key Ed25519 signature (crypto.ed25519_sign) through device_1's
// router to the same crypto plugin.
//
//	go test -run '^$' -bench ThresholdSign2of3 -benchtime 500x ./host/sim/
func BenchmarkThresholdSign2of3(b *testing.B) {
	s, err := sim.New(context.Background(), sim.Config{Deployment: deploymentB(b, dkgDeployment(b, 2, 3, effects.Production)),
		Mode: effects.Production, Executable: auraHost, Builtins: plugins.Lookup, Logger: quietLogger(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(context.Background())
	devices := runDKG(b, s, 3)
	ctx := context.Background()
	crypto := s.Agent("device_1").Effects().Crypto
	kp, err := crypto.GenerateKeypair(ctx)
	if err != nil {
		b.Fatal(err)
	}
	msg := []byte("a 32-byte message to be signed..")
	signer, err := threshold.New(ctx, thresholdDevices(devices[:2]))
	if err != nil {
		b.Fatal(err)
	}
	var threshold, single time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if _, err := signer.Sign(ctx, msg); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		if _, err := crypto.Sign(ctx, msg, kp.Private); err != nil {
			b.Fatal(err)
		}
		threshold, single = threshold+mid.Sub(start), single+time.Since(mid)
	}
	b.ReportMetric(float64(threshold.Microseconds())/float64(b.N), "frost-µs/op")
	b.ReportMetric(float64(single.Microseconds())/float64(b.N), "ed25519-µs/op")
	b.ReportMetric(float64(threshold)/float64(single), "frost/ed25519")
}
