package scenario_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/sim/bundle"
	"github.com/aurahost/aura-host/host/sim/scenario"
	"github.com/aurahost/aura-host/host/sim/swarm"
	"github.com/aurahost/aura-host/plugins"
)

// plantedScenario loads testdata/planted: a coordinator that counts a
// guardian's re-sent approval again each round.
func plantedScenario(t testing.TB) *scenario.Scenario {
	t.Helper()
	dep, diags := config.Load("../testdata/planted/deployment.hcl", config.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	sc, diags := scenario.Load("../testdata/planted/deployment.hcl", dep)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	sc.Builtins, sc.Logger = plugins.Lookup, quietLogger(t)
	return sc
}

// firstFailure sweeps seeds 1..1000 of sc, stopping at the first that
// fails.
func firstFailure(t testing.TB, sc *scenario.Scenario) uint64 {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var found uint64
	rep, err := sc.SweepSeeds(ctx, scenario.SeedRange{From: 1, To: 1000}, 2, func(o *scenario.Report, _ *scenario.SweepReport) {
		if o.Status != "ok" && found == 0 {
			found = o.Seed
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Fatalf("the swarm did not catch the planted bug in %d seeds", rep.Simulated)
	}
	return found
}

// Acceptance 2 of issue 15: the swarm catches the planted bug within
// 1,000 seeds, the failing schedule shrinks to at most 3 faults, and the
// shrunk schedule written as fault blocks reproduces the shrinker's last
// bundle byte for byte, failing the same invariant. The written duplicate
// fault is among those dropped: a duplicated envelope never reaches the
// coordinator (the guard chain refuses the copy's receipt as a replay),
// so the bug needs the protocol's own re-send, which delays and
// partitions provoke. The same seed shrinks to the same schedule twice.
func TestPlantedBugIsCaughtShrunkAndReproduced(t *testing.T) {
	sc := plantedScenario(t)
	seed := firstFailure(t, sc)
	out, err := sc.Simulate(context.Background(), seed)
	if err != nil {
		t.Fatal(err)
	}
	want := swarm.Failure{Invariant: "two_approvals"}
	if got, _ := scenario.FailureOf(out); got != want {
		t.Fatalf("seed %d failed with %v, not the planted bug", seed, got)
	}
	var last swarm.ShrinkProgress
	s, err := sc.Shrink(context.Background(), seed, out, 0, func(p swarm.ShrinkProgress) { last = p })
	if err != nil {
		t.Fatal(err)
	}
	var hcl bytes.Buffer
	if err := config.WriteFaults(&hcl, s.Faults); err != nil {
		t.Fatal(err)
	}
	t.Logf("seed %d: %d faults shrunk to %d in %d simulations:\n%s", seed, s.Original, len(s.Faults), s.Simulations, hcl.String())
	if len(s.Faults) > 3 || len(s.Faults) == 0 || s.Failure != want || s.Exhausted {
		t.Fatalf("shrunk to %d faults, failure %v, exhausted %v", len(s.Faults), s.Failure, s.Exhausted)
	}
	if last.Simulations != s.Simulations || last.Faults != len(s.Faults) {
		t.Errorf("last progress %+v, shrunk %d faults in %d simulations", last, len(s.Faults), s.Simulations)
	}
	// The bundle's swarm line lists the schedule it ran, the whole of it.
	b, err := bundle.Read("shrunk", s.Outcome.Bundle.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !b.Swarm || len(b.Drawn) != len(s.Faults) {
		t.Fatalf("swarm line %v, shrunk to %d faults", b.Drawn, len(s.Faults))
	}
	for i, f := range s.Faults {
		if b.Drawn[i]["kind"] != f.Kind || b.Drawn[i]["at_ms"] != float64(f.At.Milliseconds()) {
			t.Errorf("swarm line's fault %d is %v, the schedule's %s at %v", i, b.Drawn[i], f.Kind, f.At)
		}
	}
	for _, f := range s.Faults {
		if f.Kind == config.FaultDuplicate {
			t.Errorf("the shrunk schedule keeps a duplicate fault, which cannot reach the coordinator:\n%s", hcl.String())
		}
	}
	again, err := sc.Shrink(context.Background(), seed, out, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var hcl2 bytes.Buffer
	_ = config.WriteFaults(&hcl2, again.Faults)
	if hcl2.String() != hcl.String() || !bytes.Equal(again.Outcome.Bundle.Bytes(), s.Outcome.Bundle.Bytes()) {
		t.Errorf("seed %d shrunk twice, differently:\n%s\n----\n%s", seed, hcl.String(), hcl2.String())
	}
	faults, diags := config.ParseFaults(hcl.Bytes(), "shrunk.hcl", sc.Deployment)
	if diags.HasErrors() {
		t.Fatalf("the printed faults do not parse: %v\n%s", diags, hcl.String())
	}
	for i := range 2 {
		re, err := sc.SimulateSchedule(context.Background(), seed, faults)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(re.Bundle.Bytes(), s.Outcome.Bundle.Bytes()) {
			t.Fatalf("replay %d of the printed faults is not the shrinker's bundle", i+1)
		}
		if got, _ := scenario.FailureOf(re); got != want {
			t.Fatalf("replay %d failed with %v", i+1, got)
		}
	}
}

// A schedule given to a deployment without a simulated network cannot
// apply its network faults: each is reported at its line.
func TestCheckScheduleReportsNetworkFaultsWithoutANetwork(t *testing.T) {
	dep := deployment(t, strings.ReplaceAll(strings.Replace(simBase, `builtin = "sim-network"`, `builtin = "transport"`, 1)+pingPongRun, "PROTOCOLS", protocolsDir()))
	sc, diags := scenario.Load("sim.hcl", dep)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	faults, diags := config.ParseFaults([]byte("fault \"crash\" {\n  at    = \"1ms\"\n  agent = \"alice\"\n}\n\nfault \"drop\" {\n  at   = \"0ms\"\n  rate = 0.1\n}\n"), "faults.hcl", dep)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	diags = sc.CheckSchedule(faults)
	if len(diags) != 1 || diags[0].Summary != "No simulated network" || diags[0].Subject == nil || diags[0].Subject.Filename != "faults.hcl" || diags[0].Subject.Start.Line != 6 {
		t.Fatalf("diagnostics %v", diags)
	}
	if diags := sc.CheckSchedule(faults[:1]); len(diags) != 0 {
		t.Errorf("a crash needs no network: %v", diags)
	}
}

// A shrink prints what it kept, the fault blocks indented, where they
// were written, the bundle's hash and the command; an exhausted budget
// says a smaller schedule may exist.
func TestShrinkReportText(t *testing.T) {
	r := &scenario.ShrinkReport{Seed: 21, Failure: swarm.Failure{Invariant: "two_approvals"}, Original: 5, Faults: 2, Simulations: 19,
		HCL:     "fault \"drop\" {\n  at   = \"0ms\"\n  rate = 0.001\n}\n\nfault \"crash\" {\n  at    = \"5ms\"\n  agent = \"g1\"\n}\n",
		Written: "shrunk-21.hcl", BundleHash: "ab12", Reproduce: "aura-host simulate d.hcl --seed 21 --faults shrunk-21.hcl --record shrunk-21.jsonl"}
	var b strings.Builder
	r.WriteText(&b)
	want := `shrunk seed 21 from 5 faults to 2 in 19 simulations: still invariant "two_approvals" violated
  fault "drop" {
    at   = "0ms"
    rate = 0.001
  }

  fault "crash" {
    at    = "5ms"
    agent = "g1"
  }
wrote shrunk-21.hcl
bundle ab12
reproduce: aura-host simulate d.hcl --seed 21 --faults shrunk-21.hcl --record shrunk-21.jsonl
`
	if b.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", b.String(), want)
	}
	r.Exhausted = true
	b.Reset()
	r.WriteText(&b)
	if !strings.Contains(b.String(), "the budget of simulations ran out: a smaller schedule may exist; raise --shrink-budget") {
		t.Errorf("exhausted:\n%s", b.String())
	}
}
