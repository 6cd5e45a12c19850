package agent_test

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/agent"
)

// TestCheckServable: only a multi-agent deployment in simulation mode is
// refused, at its mode attribute when the file sets one.
func TestCheckServable(t *testing.T) {
	t.Parallel()
	agents := []*config.Agent{{Name: "alice"}, {Name: "bob"}}
	if d := agent.CheckServable("d.hcl", &config.Deployment{Mode: effects.Testing, Agents: agents}); d != nil {
		t.Errorf("testing mode refused: %v", d)
	}
	if d := agent.CheckServable("d.hcl", &config.Deployment{Mode: effects.Simulation}); d != nil {
		t.Errorf("a simulation without agents refused: %v", d)
	}
	d := agent.CheckServable("d.hcl", &config.Deployment{Mode: effects.Simulation, Agents: agents})
	if d == nil || d.Subject != nil || !strings.HasPrefix(d.Detail, "In simulation mode, the 2 agents of this deployment (alice, bob) share") ||
		!strings.HasSuffix(d.Detail, "  aura-host simulate d.hcl\n\nor serve it with its real plugins:\n\n  aura-host run d.hcl --mode production") {
		t.Fatalf("got %#v", d)
	}
	rng := hcl.Range{Filename: "d.hcl", Start: hcl.Pos{Line: 2, Column: 3}, End: hcl.Pos{Line: 2, Column: 20}}
	d = agent.CheckServable("d.hcl", &config.Deployment{Mode: effects.Simulation, Agents: agents, ModeRange: rng})
	if d == nil || d.Subject == nil || *d.Subject != rng {
		t.Errorf("subject: %#v", d)
	}
}
