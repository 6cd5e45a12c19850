package host_test

import (
	"bytes"
	"context"
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
