package scenario_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/host/sim/scenario"
	"github.com/aurahost/aura-host/plugins"
)

// TestLoadReportsMistakesAtTheirLine: a deployment that cannot be
// simulated is a set of diagnostics with ranges, found before any agent
// starts.
func TestLoadReportsMistakesAtTheirLine(t *testing.T) {
	for name, c := range map[string]struct{ src, want string }{
		"no runs": {simBase, "Nothing to simulate"},
		"unbound": {simBase + `
run "pp" {
  protocol = "PROTOCOLS/ping_pong.hcl"
  roles    = { Client = "alice" }
}
`, "Unbound roles"},
		"no such role": {simBase + `
run "pp" {
  protocol = "PROTOCOLS/ping_pong.hcl"
  roles    = { Client = "alice", Server = "bob", Mallory = "bob" }
}
`, "No such role"},
		"no network": {strings.Replace(simBase, `builtin = "sim-network"`, `builtin = "transport"`, 1) + pingPongRun + `
fault "drop" {
  at   = "0s"
  rate = 0.1
}
`, "No simulated network"},
		"swarm without network": {strings.Replace(simBase, `builtin = "sim-network"`, `builtin = "transport"`, 1) + pingPongRun + `
swarm {
  partitions = 1
}
`, "No simulated network"},
		"reorder without network": {strings.Replace(simBase, `builtin = "sim-network"`, `builtin = "transport"`, 1) + pingPongRun + `
fault "reorder" {
  at   = "0s"
  rate = 0.1
}
`, "No simulated network"},
		"skew without sim-clock": {strings.Replace(simBase, `builtin = "sim-clock"`, `builtin = "clock"`, 1) + pingPongRun + `
fault "clock_skew" {
  at     = "0s"
  agent  = "bob"
  offset = "30ms"
}
`, "No simulated clock"},
		"swarm skew without sim-clock": {strings.Replace(simBase, `builtin = "sim-clock"`, `builtin = "clock"`, 1) + pingPongRun + `
swarm {
  clock_skew = "1ms..5ms"
}
`, "No simulated clock"},
	} {
		t.Run(name, func(t *testing.T) {
			dep := deployment(t, strings.ReplaceAll(c.src, "PROTOCOLS", protocolsDir()))
			_, diags := scenario.Load("sim.hcl", dep)
			if !diags.HasErrors() || !strings.Contains(diags.Error(), c.want) {
				t.Fatalf("diagnostics %v, want %q", diags, c.want)
			}
			for _, d := range diags {
				if d.Summary == c.want && d.Subject == nil {
					t.Errorf("%s has no range", d.Summary)
				}
			}
		})
	}
}

// TestScenarioSimulatesAndReports: a checked scenario simulates a seed and
// reports each run with its roles' agents.
func TestScenarioSimulatesAndReports(t *testing.T) {
	dep := deployment(t, strings.ReplaceAll(simBase+pingPongRun, "PROTOCOLS", protocolsDir()))
	sc, diags := scenario.Load("sim.hcl", dep)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	sc.Builtins, sc.Logger = plugins.Lookup, quietLogger(t)
	out, err := sc.Simulate(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	rep := sc.Report(7, out)
	if rep.Status != "ok" || len(rep.Runs) != 1 || rep.Runs[0].Protocol != "ping_pong" || len(rep.Runs[0].Roles) != 2 {
		t.Fatalf("report %+v", rep)
	}
	if rep.BundleHash != out.Bundle.Hash() {
		t.Error("report hash differs from the bundle's")
	}
}
