package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aurahost/aura-host/effects"
)

// TestSupervisionExample checks that the supervision example is clean with
// the five built-ins, and that its blocks say what its comments say.
func TestSupervisionExample(t *testing.T) {
	d, diags := Load(filepath.Join("..", "examples", "supervision", "deployment.hcl"), Options{Builtins: testBuiltins})
	if len(diags) != 0 {
		t.Fatalf("supervision example has diagnostics:\n%s", render(d, diags))
	}
	want := [][]string{{"console", "clock", "random"}, {"crypto", "storage"}}
	if diff := cmp.Diff(want, d.StartOrder()); diff != "" {
		t.Errorf("StartOrder (-want +got):\n%s", diff)
	}
	storage := d.Plugin("storage")
	if storage.Restart == nil || storage.Restart.Attempts != 5 || storage.Restart.Mode != RestartFail || storage.StopTimeout != 5*time.Second {
		t.Errorf("storage restart %+v, stop timeout %v", storage.Restart, storage.StopTimeout)
	}
	if c := d.Plugin("crypto"); c.Health == nil || c.Health.UnhealthyThreshold != 3 || c.Call == nil || c.Call.Timeout != 5*time.Second {
		t.Errorf("crypto health %+v call %+v", c.Health, c.Call)
	}
	if d.Plugin("random").Start != StartLazy {
		t.Error("random is not lazy")
	}
	for _, p := range d.Plugins {
		if _, diags := DecodePluginConfig(p, testDescriptors[p.Builtin].Config); len(diags) != 0 {
			t.Errorf("plugin %s config:\n%s", p.Name, render(d, diags))
		}
	}
}

// TestSimulationExample checks the simulation example: clean (with any
// built-in name, since the simulation plugins may not all exist yet), the
// four swaps, the faults, and a run binding every role of the guardian
// recovery protocol.
func TestSimulationExample(t *testing.T) {
	d, diags := Load(filepath.Join("..", "examples", "simulation", "deployment.hcl"), Options{})
	if len(diags) != 0 {
		t.Fatalf("simulation example has diagnostics:\n%s", render(d, diags))
	}
	if d.Mode != effects.Simulation || d.Seed != 7 {
		t.Errorf("mode %s seed %d, want simulation with the simulation block's seed 7", d.Mode, d.Seed)
	}
	swaps := map[string]string{}
	for _, p := range d.EffectivePlugins() {
		if d.Override(p.Name) != nil {
			swaps[p.Name] = p.Builtin
		}
	}
	want := map[string]string{"clock": "sim-clock", "random": "sim-random", "storage": "sim-storage", "network": "sim-network"}
	if diff := cmp.Diff(want, swaps); diff != "" {
		t.Errorf("swaps (-want +got):\n%s", diff)
	}
	named := func(ps []*Plugin, name string) *Plugin {
		for _, p := range ps {
			if p.Name == name {
				return p
			}
		}
		t.Fatalf("no plugin %q", name)
		return nil
	}
	if n := named(d.WithMode(effects.Simulation).EffectivePlugins(), "network"); !cmp.Equal(n.DependsOn, []string{"crypto", "clock"}) {
		t.Errorf("network override lost its depends_on: %+v", n)
	}
	if prod := d.WithMode(effects.Production); prod.Seed != 1 || named(prod.EffectivePlugins(), "clock").Builtin != "clock" {
		t.Errorf("production: seed %d, clock %q", prod.Seed, named(prod.EffectivePlugins(), "clock").Builtin)
	}

	var agents []string
	for _, a := range d.Agents {
		agents = append(agents, a.Name)
	}
	if diff := cmp.Diff([]string{"account", "g1", "g2", "g3"}, agents); diff != "" {
		t.Errorf("agents: %s", diff)
	}
	if len(d.Faults) != 2 || d.Faults[0].Kind != FaultDrop || d.Faults[0].Rate != 0.1 || d.Faults[1].Kind != FaultPartition || d.Faults[1].HealAfter != 150*time.Millisecond {
		t.Errorf("faults: %+v", d.Faults)
	}

	if len(d.Runs) != 1 {
		t.Fatalf("%d runs", len(d.Runs))
	}
	run := d.Runs[0]
	src, err := os.ReadFile(run.Protocol)
	if err != nil {
		t.Fatalf("the run's protocol: %v", err)
	}
	if !strings.Contains(string(src), `protocol "`+run.ProtocolName+`"`) || !strings.Contains(string(src), `roles  = ["Account", "Guardian[3]"]`) {
		t.Errorf("%s does not declare protocol %q with roles Account and Guardian[3]; update the example's run", run.Protocol, run.ProtocolName)
	}
	roles := map[string]string{"Account": "account", "Guardian[0]": "g1", "Guardian[1]": "g2", "Guardian[2]": "g3"}
	if diff := cmp.Diff(roles, run.Roles); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
	if run.Timeout != time.Hour {
		t.Errorf("timeout %v", run.Timeout)
	}
}
