package host_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/vm"
)

// In production a protocol's random bytes are fresh in every run: two
// runs of the same name, role and seed draw different challenges. In the
// deterministic modes the seed gives the same bytes again.
func TestVMEffectsRandomnessIsFreshInProduction(t *testing.T) {
	ctx := context.Background()
	r := host.NewRouter(effects.NewRegistry(), effects.DeriveAuthorityID("a", 1))
	req := &vm.RandomRequest{Caller: vm.Caller{Role: "Account"}, Bytes: 32}
	draw := func(mode effects.Mode) []byte {
		b, err := host.NewVMEffects(r, mode, vm.RegistryEffectsConfig{Seed: 7}).Random(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != 32 {
			t.Fatalf("%s: %d bytes, want 32", mode, len(b))
		}
		return b
	}
	if a, b := draw(effects.Production), draw(effects.Production); bytes.Equal(a, b) {
		t.Fatalf("two production runs drew the same challenge %x", a)
	}
	for _, mode := range []effects.Mode{effects.Testing, effects.Simulation} {
		if a, b := draw(mode), draw(mode); !bytes.Equal(a, b) {
			t.Fatalf("%s: the same seed drew %x, then %x", mode, a, b)
		}
	}
}

// flaky fails its first failures calls with err, then answers how many
// calls it has had.
type flaky struct {
	failures, calls int
	err             error
}

func (f *flaky) Invoke(_ context.Context, _ *effects.Call) (effects.Value, error) {
	f.calls++
	if f.calls <= f.failures {
		return effects.Value{}, f.err
	}
	return effects.Int(int64(f.calls)), nil
}

// The VM's effect boundary makes an idempotent call that failed retryable
// unavailable again, up to IdempotentRetries times, and only that: a call
// that keeps failing fails with its last error after 1+IdempotentRetries
// attempts; a call that is not idempotent, or failed another way, is made
// once.
func TestVMEffectsRetriesIdempotentUnavailableCalls(t *testing.T) {
	unavailable := &effects.Error{Code: effects.CodeUnavailable, Retryable: true, Message: "injected"}
	for _, tc := range []struct {
		name       string
		idempotent bool
		err        error
		failures   int
		wantCalls  int
		wantErr    bool
	}{
		{"idempotent, transient", true, unavailable, 2, 3, false},
		{"idempotent, as many failures as retries", true, unavailable, host.IdempotentRetries, host.IdempotentRetries + 1, false},
		{"idempotent, persistent", true, unavailable, 100, host.IdempotentRetries + 1, true},
		{"not idempotent", false, unavailable, 1, 1, true},
		{"not retryable", true, &effects.Error{Code: effects.CodeUnavailable, Message: "failed for good"}, 1, 1, true},
		{"another code", true, &effects.Error{Code: effects.CodeInvalidArgs, Retryable: true, Message: "bad"}, 1, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := effects.NewRegistry()
			h := &flaky{failures: tc.failures, err: tc.err}
			op := effects.OpSpec{ID: "flaky.op", Result: effects.KindInt, Idempotent: tc.idempotent, Determinism: effects.ReadsWorld}
			if err := reg.Register("flaky", h, op); err != nil {
				t.Fatal(err)
			}
			effs := host.NewVMEffects(host.NewRouter(reg, effects.DeriveAuthorityID("a", 1)), effects.Simulation, vm.RegistryEffectsConfig{Seed: 1})
			_, err := effs.Invoke(context.Background(), &effects.Call{Op: "flaky.op", Args: effects.Null()})
			if (err != nil) != tc.wantErr || h.calls != tc.wantCalls {
				t.Fatalf("error %v after %d calls; want error %v after %d", err, h.calls, tc.wantErr, tc.wantCalls)
			}
		})
	}
}

// Before each retry the boundary waits on the agent's clock, the wait
// doubling from RetryBackoff up to MaxRetryBackoff, so the retries of a
// call outlast a failure that passes (a storage failure window) instead
// of drawing against it back to back.
func TestVMEffectsRetriesWaitOnTheClock(t *testing.T) {
	reg := effects.NewRegistry()
	h := &flaky{failures: 100, err: &effects.Error{Code: effects.CodeUnavailable, Retryable: true, Message: "injected"}}
	if err := reg.Register("flaky", h, effects.OpSpec{ID: "flaky.op", Result: effects.KindInt, Idempotent: true, Determinism: effects.ReadsWorld}); err != nil {
		t.Fatal(err)
	}
	var waits []int64
	sleep := effects.HandlerFunc(func(_ context.Context, c *effects.Call) (effects.Value, error) {
		ms, _ := c.Arg("ms").AsInt()
		waits = append(waits, ms)
		return effects.Null(), nil
	})
	if err := reg.Register("clock", sleep, effects.OpSpec{ID: effects.ClockSleepMS, Params: []effects.Param{{Name: "ms", Kind: effects.KindInt}}, Result: effects.KindNull, Determinism: effects.ReadsWorld}); err != nil {
		t.Fatal(err)
	}
	effs := host.NewVMEffects(host.NewRouter(reg, effects.DeriveAuthorityID("a", 1)), effects.Simulation, vm.RegistryEffectsConfig{Seed: 1})
	if _, err := effs.Invoke(context.Background(), &effects.Call{Op: "flaky.op", Args: effects.Null()}); err == nil {
		t.Fatal("a call that keeps failing succeeded")
	}
	want := []int64{10, 20, 40, 80, 160, 320, 640, 640}
	if !slices.Equal(waits, want) {
		t.Fatalf("waited %v ms before the retries; want %v", waits, want)
	}
	if h.calls != host.IdempotentRetries+1 {
		t.Fatalf("%d calls; want %d", h.calls, host.IdempotentRetries+1)
	}
}
