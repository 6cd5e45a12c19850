package sim_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/sim/bundle"
	"github.com/aurahost/aura-host/plugins"
	"github.com/aurahost/aura-host/vm"
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

// fakeFailure fails (an invariant violation) when the schedule still has
// a partition healing after 10ms or more and a delay of at most 4ms or
// more: what the shrinker must keep, and no more.
func fakeFailure(calls *int) func(context.Context, uint64, []*config.Fault) (*sim.Outcome, error) {
	return func(_ context.Context, _ uint64, faults []*config.Fault) (*sim.Outcome, error) {
		*calls++
		var partition, delay bool
		for _, f := range faults {
			partition = partition || (f.Kind == config.FaultPartition && f.HealAfter >= 10*time.Millisecond)
			delay = delay || (f.Kind == config.FaultDelay && f.Max >= 4*time.Millisecond)
		}
		out := &sim.Outcome{VirtualMs: 300, Runs: []*sim.RunResult{{Name: "r"}}}
		if partition && delay {
			out.Violation = &sim.InvariantViolation{Invariant: "needs_both"}
		}
		return out, nil
	}
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

var fakeSchedule = []*config.Fault{
	{Kind: config.FaultDrop, Rate: 0.05},
	{Kind: config.FaultDuplicate, At: ms(3), Rate: 0.2},
	{Kind: config.FaultDelay, At: ms(5), Min: ms(6), Max: ms(30)},
	{Kind: config.FaultPartition, At: ms(20), Between: []string{"a", "b", "c"}, HealAfter: ms(80)},
	{Kind: config.FaultCrash, At: ms(40), Agent: "c", RestartAfter: ms(50)},
	{Kind: config.FaultPartition, At: ms(150), Between: []string{"b", "a"}, HealAfter: ms(8)}, // too short to matter
}

// The shrinker drops every fault the failure does not need and
// simplifies the rest as far as they still fail: the partition healing
// after 10ms (80 halved three times) between two agents, the delay's
// maximum 7ms (30 halved twice) and its minimum 0. Twice, the same.
func TestShrinkKeepsOnlyWhatTheFailureNeeds(t *testing.T) {
	var calls int
	shrink := func() *sim.Shrunk {
		calls = 0
		s, err := sim.Shrink(context.Background(), sim.ShrinkConfig{Seed: 1, Faults: fakeSchedule, Simulate: fakeFailure(&calls)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := shrink()
	var b bytes.Buffer
	if err := config.WriteFaults(&b, s.Faults); err != nil {
		t.Fatal(err)
	}
	want := `fault "delay" {
  at  = "5ms"
  min = "0ms"
  max = "7ms"
}

fault "partition" {
  at         = "20ms"
  between    = ["a", "b"]
  heal_after = "10ms"
}
`
	if b.String() != want {
		t.Errorf("shrunk to\n%s\nwant\n%s", b.String(), want)
	}
	if s.Failure != (sim.Failure{Invariant: "needs_both"}) || s.Original != len(fakeSchedule) || s.Exhausted || s.Simulations != calls {
		t.Errorf("shrunk %+v after %d calls", s, calls)
	}
	if fakeSchedule[3].HealAfter != ms(80) || len(fakeSchedule[3].Between) != 3 {
		t.Errorf("the shrinker changed the schedule it was given: %+v", *fakeSchedule[3])
	}
	again := shrink()
	var b2 bytes.Buffer
	_ = config.WriteFaults(&b2, again.Faults)
	if b2.String() != b.String() || again.Simulations != s.Simulations {
		t.Errorf("a second shrink differs: %d simulations\n%s", again.Simulations, b2.String())
	}
}

// A budget bounds the simulations, and says the result may not be the
// smallest; a schedule that does not fail is refused.
func TestShrinkStopsAtItsBudgetAndRefusesAPassingSchedule(t *testing.T) {
	var calls int
	s, err := sim.Shrink(context.Background(), sim.ShrinkConfig{Seed: 1, Faults: fakeSchedule, Budget: 5, Simulate: fakeFailure(&calls)})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 5 || s.Simulations != 5 || !s.Exhausted {
		t.Errorf("budget 5: %d calls, %d simulations, exhausted %v", calls, s.Simulations, s.Exhausted)
	}
	_, err = sim.Shrink(context.Background(), sim.ShrinkConfig{Seed: 1, Faults: fakeSchedule[:2], Simulate: fakeFailure(&calls)})
	if !errors.Is(err, sim.ErrNotReproduced) || !strings.Contains(err.Error(), "got no failure") {
		t.Errorf("a passing schedule: %v", err)
	}
	_, err = sim.Shrink(context.Background(), sim.ShrinkConfig{Seed: 1, Faults: fakeSchedule, Want: sim.Failure{Invariant: "other"}, Simulate: fakeFailure(&calls)})
	if !errors.Is(err, sim.ErrNotReproduced) {
		t.Errorf("another failure: %v", err)
	}
}

// plantedScenario loads testdata/planted: a coordinator that counts a
// guardian's re-sent approval again each round.
func plantedScenario(t testing.TB) *sim.Scenario {
	t.Helper()
	dep, diags := config.Load("testdata/planted/deployment.hcl", config.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	sc, diags := sim.LoadScenario("testdata/planted/deployment.hcl", dep)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	sc.Builtins, sc.Logger = plugins.Lookup, quietLogger(t)
	return sc
}

// firstFailure sweeps seeds 1..1000 of sc, stopping at the first that
// fails.
func firstFailure(t testing.TB, sc *sim.Scenario) uint64 {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var found uint64
	rep, err := sc.SweepSeeds(ctx, sim.SeedRange{From: 1, To: 1000}, 2, func(o *sim.Report, _ *sim.SweepReport) {
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
	want := sim.Failure{Invariant: "two_approvals"}
	if got, _ := sim.FailureOf(out); got != want {
		t.Fatalf("seed %d failed with %v, not the planted bug", seed, got)
	}
	var last sim.ShrinkProgress
	s, err := sc.Shrink(context.Background(), seed, out, 0, func(p sim.ShrinkProgress) { last = p })
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
		if got, _ := sim.FailureOf(re); got != want {
			t.Fatalf("replay %d failed with %v", i+1, got)
		}
	}
}

// A schedule given to a deployment without a simulated network cannot
// apply its network faults: each is reported at its line.
func TestCheckScheduleReportsNetworkFaultsWithoutANetwork(t *testing.T) {
	dep := deployment(t, strings.ReplaceAll(strings.Replace(simBase, `builtin = "sim-network"`, `builtin = "transport"`, 1)+pingPongRun, "PROTOCOLS", protocolsDir()))
	sc, diags := sim.LoadScenario("sim.hcl", dep)
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
	r := &sim.ShrinkReport{Seed: 21, Failure: sim.Failure{Invariant: "two_approvals"}, Original: 5, Faults: 2, Simulations: 19,
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

// Crashes are made shorter and moved later (half way to the end of the
// failing run, 300ms here), rates lowered, as far as the failure allows:
// here a crash of c down for 10ms or more, starting by 200ms, with a drop
// rate of 0.01 or more.
func TestShrinkMovesCrashesLaterAndLowersRates(t *testing.T) {
	failing := func(_ context.Context, _ uint64, faults []*config.Fault) (*sim.Outcome, error) {
		var crash, drop bool
		for _, f := range faults {
			crash = crash || (f.Kind == config.FaultCrash && f.RestartAfter >= ms(10) && f.At <= ms(200))
			drop = drop || (f.Kind == config.FaultDrop && f.Rate >= 0.01)
		}
		out := &sim.Outcome{VirtualMs: 300, Runs: []*sim.RunResult{{Name: "r"}}}
		if crash && drop {
			out.Runs[0].Err = &vm.Fault{Kind: vm.FaultTimeout, Message: "stalled"}
		}
		return out, nil
	}
	s, err := sim.Shrink(context.Background(), sim.ShrinkConfig{Seed: 1, Faults: fakeSchedule, Simulate: failing})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := config.WriteFaults(&b, s.Faults); err != nil {
		t.Fatal(err)
	}
	want := `fault "drop" {
  at   = "0ms"
  rate = 0.012
}

fault "crash" {
  at            = "170ms"
  agent         = "c"
  restart_after = "12ms"
}
`
	if b.String() != want || s.Failure != (sim.Failure{Run: "r", Kind: "Timeout"}) {
		t.Errorf("shrunk to %v:\n%s\nwant\n%s", s.Failure, b.String(), want)
	}
}
