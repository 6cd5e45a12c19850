package simtest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/simtest"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/hashicorp/go-hclog"
)

func TestPingPongUnderTheTestAPI(t *testing.T) {
	protocols, _ := filepath.Abs("../examples/protocols")
	path := filepath.Join(t.TempDir(), "deployment.hcl")
	src := `
deployment "pp" { mode = "simulation" }
agent "a" {
  allow = ["network.send_envelope"]
  flow_budget { limit = 100 }
}
agent "b" {
  allow = ["network.send_envelope"]
  flow_budget { limit = 100 }
}
plugin "crypto"  { builtin = "crypto" }
plugin "journal" { builtin = "journal" }
plugin "clock"   { builtin = "sim-clock" }
plugin "random"  { builtin = "sim-random" }
plugin "network" { builtin = "sim-network" }
run "pp" {
  protocol = "PROTOCOLS/ping_pong.hcl"
  roles    = { Client = "a", Server = "b" }
}
`
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(src, "PROTOCOLS", protocols)), 0o600); err != nil {
		t.Fatal(err)
	}
	sim := simtest.New(t, path, 3)
	out := sim.Run()
	sim.RequireSuccess(out)
	if out.Bundle.Hash() == "" || len(out.Runs) != 1 {
		t.Fatalf("outcome %+v", out)
	}
	if b := sim.Bundle(out); b.Hash() != out.Bundle.Hash() || b.Header.Seed != 3 || len(b.Traces) != 2 {
		t.Fatalf("bundle read back: %+v", b.Header)
	}
	sim.RequireReplay(out)
}

// TestOptionsAndDecideRules: the options reach the simulation, and
// --decide rules written as for the CLI decide the guardians' choice.
func TestOptionsAndDecideRules(t *testing.T) {
	sim := simtest.New(t, "../examples/simulation/deployment.hcl", 8,
		simtest.WithDecideRules("Guardian[*]=Approve"),
		simtest.WithGranularity(policy.Full),
		simtest.WithLogger(hclog.NewNullLogger()),
		simtest.WithMaxVirtualTime(24*3600*1000))
	out := sim.Run()
	sim.RequireSuccess(out)
	sim.RequireReplay(out)
}
