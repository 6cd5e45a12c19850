package scenario_test

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/internal/hosttest"
)

// The fixtures below are host/sim's test fixtures, for the scenarios these
// tests load: two agents on a simulated network, one ping-pong run.

// protocolsDir is examples/protocols, from this test file.
func protocolsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "examples", "protocols")
}

const simBase = `
deployment "sim" {
  mode = "simulation"
}
agent "alice" {
  allow = ["*"]
  flow_budget { limit = 10000 }
}
agent "bob" {
  allow = ["*"]
  flow_budget { limit = 10000 }
}
plugin "crypto"  { builtin = "crypto" }
plugin "journal" { builtin = "journal" }
plugin "clock"   { builtin = "sim-clock" }
plugin "random"  { builtin = "sim-random" }
plugin "storage" { builtin = "sim-storage" }
plugin "network" { builtin = "sim-network" }
`

const pingPongRun = `
run "pp" {
  protocol = "PROTOCOLS/ping_pong.hcl"
  roles    = { Client = "alice", Server = "bob" }
}
`

func deployment(t *testing.T, src string) *config.Deployment { return hosttest.Deployment(t, src) }

func quietLogger(t testing.TB) hclog.Logger { return hosttest.QuietLogger(t) }
