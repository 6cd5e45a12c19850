package sim_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/sim/bundle"
	"github.com/aurahost/aura-host/plugins"
)

// A seed run with its own drawn schedule given explicitly (Config.Faults)
// is the plain seed's run, byte for byte, swarm line included; an empty
// schedule given explicitly draws nothing.
func TestGivenScheduleReplaysTheDrawnOneByteForByte(t *testing.T) {
	dep := deployment(t, strings.ReplaceAll(simBase+pingPongRun+swarmBlock, "PROTOCOLS", protocolsDir()))
	run := func(seed uint64, faults []*config.Fault) *sim.Outcome {
		s, err := sim.New(context.Background(), sim.Config{Deployment: dep, Seed: seed, Builtins: plugins.Lookup,
			Logger: quietLogger(t), Faults: faults})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close(context.Background())
		out, err := s.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, seed := range []uint64{3, 7} {
		plain := run(seed, nil)
		if len(plain.Drawn) == 0 {
			t.Fatalf("seed %d drew no faults: pick a seed that does", seed)
		}
		given := run(seed, slices.Clone(plain.Drawn))
		if !bytes.Equal(plain.Bundle.Bytes(), given.Bundle.Bytes()) {
			a, _ := bundle.Read("plain", plain.Bundle.Bytes())
			b, _ := bundle.Read("given", given.Bundle.Bytes())
			var diff strings.Builder
			bundle.WriteDiff(&diff, "plain", "given", a, b, 3)
			t.Fatalf("seed %d: its drawn schedule given explicitly changed the bundle:\n%s", seed, diff.String())
		}
		none := run(seed, []*config.Fault{})
		b, err := bundle.Read("none", none.Bundle.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if !b.Swarm || len(b.Drawn) != 0 || len(none.Drawn) != 0 {
			t.Errorf("seed %d with an empty schedule: swarm line %v %v, drawn %d", seed, b.Swarm, b.Drawn, len(none.Drawn))
		}
	}
}
