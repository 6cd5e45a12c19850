package hosttest

import (
	"path/filepath"
	"runtime"
)

// The fixtures of the simulation tests (host/sim and host/sim/scenario):
// two agents on a simulated network, and one ping-pong run between them.

// ProtocolsDir is the repository's examples/protocols, where the runs'
// protocol files are; a run's "PROTOCOLS/" prefix is replaced by it.
func ProtocolsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "examples", "protocols")
}

// SimBase declares two agents, alice and bob, allowed everything, with
// the simulation plugins in place of the real ones; a test appends its
// run blocks.
const SimBase = `
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

// PingPongRun is one run of examples/protocols/ping_pong.hcl, alice the
// client and bob the server.
const PingPongRun = `
run "pp" {
  protocol = "PROTOCOLS/ping_pong.hcl"
  roles    = { Client = "alice", Server = "bob" }
}
`
