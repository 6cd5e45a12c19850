package vm

import (
	"context"
	"flag"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/vm/syntax"

	"github.com/aurahost/aura-host/vm/policy"
)

var (
	propertyCount = flag.Int("vm.protocols", 500, "random protocols the property test generates")
	propertySeed  = flag.Uint64("vm.seed", 1, "first seed of the property test's protocols")
)

// stopLoops decides Stop at every loop once a role has decided a few
// times, and otherwise picks by seed, so generated loops always end.
func stopLoops(seed uint64) func(req *DecisionRequest, n uint64) (string, error) {
	return seededDecide(seed, func(req *DecisionRequest, n uint64) string {
		if n < 3 {
			return ""
		}
		for _, l := range req.Labels {
			if strings.HasPrefix(l, "Stop") {
				return l
			}
		}
		return ""
	})
}

// TestPropertyRandomProtocols generates random well-formed protocols and
// runs each to completion under every scheduler policy: every role halts,
// every buffer is empty, and every edge received exactly what was sent.
func TestPropertyRandomProtocols(t *testing.T) {
	reg := testRegistry(t)
	for i := range *propertyCount {
		seed := *propertySeed + uint64(i)
		src := genProtocol(seed)
		p, diags := syntax.Parse([]byte(src), "gen.hcl")
		if diags.HasErrors() {
			t.Fatalf("seed %d: generated protocol rejected: %s\n%s", seed, diags, src)
		}
		prog, diags := Compile(p)
		if diags.HasErrors() {
			t.Fatalf("seed %d: generated protocol does not project: %s\n%s", seed, diags, src)
		}
		for _, pol := range policy.Schedulers() {
			host := NewRegistryEffects(RegistryEffectsConfig{Registry: reg, Seed: seed, Decide: stopLoops(seed)})
			m, err := RunSession(context.Background(), prog, Config{Effects: host, Scheduler: pol, StepMultiplier: 64})
			if err != nil {
				t.Fatalf("seed %d, %s: %v\n%s", seed, pol, err, src)
			}
			for _, e := range m.Edges() {
				if e.Buffered != 0 || e.Sent != e.Received {
					t.Fatalf("seed %d, %s: edge %s -> %s sent %d, received %d, %d left\n%s", seed, pol, e.From, e.To, e.Sent, e.Received, e.Buffered, src)
				}
			}
		}
	}
}
