package simtest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/sim/scenario"
	"github.com/aurahost/aura-host/plugins"
	"github.com/aurahost/aura-host/simtest"
)

// oneApproval: the first guardian approves, the other two decline, so a
// correct account denies the recovery (its threshold is 2).
var oneApproval = []string{"Guardian[0]=Approve", "Guardian[1]=Decline", "Guardian[2]=Decline"}

// threshold is the guardian recovery's own rule, as an invariant.
var threshold = sim.ThresholdGrant("recovery", "Account", "Approve", "Granted", 2)

// recoveryDeployment writes examples/simulation's deployment to a
// temporary directory, its protocol the guardian recovery — with the
// account's threshold lowered to one approval when planted is set (the
// planted bug: it grants on a single guardian's word).
func recoveryDeployment(t *testing.T, planted bool) string {
	t.Helper()
	examples, _ := filepath.Abs("../examples")
	dir := t.TempDir()
	proto, err := os.ReadFile(filepath.Join(examples, "protocols", "agents", "guardian_recovery.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if planted {
		fixed := `count_true("$valid") >= 2`
		if !bytes.Contains(proto, []byte(fixed)) {
			t.Fatalf("the protocol no longer decides with %s: plant the bug elsewhere", fixed)
		}
		proto = bytes.Replace(proto, []byte(fixed), []byte(`count_true("$valid") >= 1`), 1)
	}
	if err := os.WriteFile(filepath.Join(dir, "guardian_recovery.hcl"), proto, 0o600); err != nil {
		t.Fatal(err)
	}
	dep, err := os.ReadFile(filepath.Join(examples, "simulation", "deployment.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	dep = bytes.Replace(dep, []byte(`"../protocols/agents/guardian_recovery.hcl"`), []byte(`"guardian_recovery.hcl"`), 1)
	// Without the example's own invariant blocks (exampleInvariants): the
	// tests choose theirs.
	cut := bytes.Index(dep, []byte(invariantsMarker))
	if cut < 0 {
		t.Fatalf("the example no longer has %q before its invariant blocks", invariantsMarker)
	}
	dep = dep[:cut]
	// Without its swarm block: the tests choose their faults (and the
	// liveness test's partition that never heals would leave no room for a
	// drawn one).
	if start := bytes.Index(dep, []byte("\nswarm {")); start >= 0 {
		end := bytes.Index(dep[start:], []byte("\n}\n"))
		if end < 0 {
			t.Fatal("the example's swarm block does not end")
		}
		dep = append(dep[:start:start], dep[start+end+2:]...)
	}
	path := filepath.Join(dir, "deployment.hcl")
	if err := os.WriteFile(path, dep, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// invariantsMarker starts the invariant blocks of examples/simulation.
const invariantsMarker = "\n# Checked after every step of the simulation"

// exampleInvariants are examples/simulation's invariant blocks.
func exampleInvariants(t *testing.T) string {
	t.Helper()
	dep, err := os.ReadFile("../examples/simulation/deployment.hcl")
	if err != nil {
		t.Fatal(err)
	}
	_, blocks, ok := strings.Cut(string(dep), invariantsMarker)
	if !ok {
		t.Fatalf("the example no longer has %q before its invariant blocks", invariantsMarker)
	}
	return invariantsMarker + blocks
}

func TestThresholdInvariantCatchesAPlantedBug(t *testing.T) {
	// Without the bug, one approval is denied and the invariant holds.
	ok := simtest.New(t, recoveryDeployment(t, false), 7, simtest.WithDecideRules(oneApproval...), simtest.WithInvariants(threshold))
	out := ok.Run()
	ok.RequireSuccess(out)

	// With it, the account grants on one approval: the invariant stops
	// the simulation, naming itself, the step and the virtual time.
	path := recoveryDeployment(t, true)
	run := func() *sim.Outcome {
		s := simtest.New(t, path, 7, simtest.WithDecideRules(oneApproval...), simtest.WithInvariants(threshold))
		return s.Run()
	}
	bad := run()
	var iv *sim.InvariantViolation
	if bad.Violation == nil || !errors.As(bad.Violation, &iv) || iv.Invariant != threshold.Name {
		t.Fatalf("the planted bug went unnoticed: violation %v", bad.Violation)
	}
	if !strings.Contains(iv.Err.Error(), "approvals from 1 distinct roles (Guardian[0]), fewer than the threshold 2") {
		t.Errorf("violation: %v", iv)
	}
	if iv.Step == 0 || !bad.Failed() {
		t.Errorf("violation at step %d, failed %v", iv.Step, bad.Failed())
	}
	t.Logf("%v", iv)
	// The bundle records it, and the same seed gives the same bytes.
	if !bytes.Contains(bad.Bundle.Bytes(), []byte(`"kind":"invariant"`)) || !bytes.Contains(bad.Bundle.Bytes(), []byte("threshold_grant(recovery")) {
		t.Errorf("the bundle does not name the invariant")
	}
	again := run()
	if !bytes.Equal(bad.Bundle.Bytes(), again.Bundle.Bytes()) || again.Violation.Error() != bad.Violation.Error() {
		t.Errorf("the same seed did not reproduce the violation byte for byte:\n%v\n%v", bad.Violation, again.Violation)
	}
}

func TestGoInvariantStopsTheSimulationAtItsFirstViolation(t *testing.T) {
	// A Go invariant that no message is ever delivered fails at the first
	// step that delivers one; the run still going fails with it.
	never := simtest.Invariant("no_delivery", func(v *sim.View) error {
		if d := v.Delivered(); len(d) > 0 {
			return errors.New(d[0].From + " sent " + d[0].Label)
		}
		return nil
	})
	s := simtest.New(t, recoveryDeployment(t, false), 7, simtest.WithDecideRules(oneApproval...), simtest.WithInvariants(never))
	out := s.Run()
	if out.Violation == nil || out.Violation.Invariant != "no_delivery" || out.Violation.Err.Error() != "Guardian[0] sent Enroll" {
		t.Fatalf("violation %v", out.Violation)
	}
	var iv *sim.InvariantViolation
	if !errors.As(out.Runs[0].Err, &iv) {
		t.Errorf("the run failed with %v, not the violation", out.Runs[0].Err)
	}
}

func TestSweepCountsViolatingSeedsAsFailed(t *testing.T) {
	path := recoveryDeployment(t, true)
	dep, diags := config.Load(path, config.Options{Builtins: plugins.Names()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	sc, diags := scenario.Load(path, dep)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	rules, err := session.ParseRules(oneApproval, sc.Programs...)
	if err != nil {
		t.Fatal(err)
	}
	sc.Rules, sc.Builtins, sc.Invariants = rules, plugins.Lookup, []sim.Invariant{threshold}
	rep, err := sc.SweepSeeds(context.Background(), scenario.SeedRange{From: 1, To: 3}, 2, nil) // two at a time, sharing the invariants
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 3 || rep.Failures[0].Violation == nil || rep.Failures[0].Violation.Invariant != threshold.Name {
		t.Fatalf("failed %d of %d; first failure's violation %+v", rep.Failed, rep.Simulated, rep.Failures[0].Violation)
	}
	var text strings.Builder
	rep.Failures[0].WriteText(&text, false)
	if !strings.Contains(text.String(), "invariant threshold_grant(recovery") {
		t.Errorf("the report does not name the invariant:\n%s", text.String())
	}
	t.Logf("%s", text.String())
}

// The default invariants read what the simulation really did: receipts
// accepted by the guard chains and flow budgets charged, step by step.
func TestDefaultInvariantsSeeTheGuardChains(t *testing.T) {
	var receipts, budgets int
	spy := simtest.Invariant("spy", func(v *sim.View) error {
		receipts = len(v.Accepted())
		bs, err := v.Budgets(context.Background())
		budgets = len(bs)
		return err
	})
	s := simtest.New(t, recoveryDeployment(t, false), 7, simtest.WithDecideRules("Guardian[*]=Approve"), simtest.WithInvariants(spy))
	out := s.Run()
	s.RequireSuccess(out)
	// Enroll, Request, Approve, Granted: 3 receipts each way and more.
	if receipts < 12 || budgets < 6 {
		t.Fatalf("the view saw %d receipts and %d budgets", receipts, budgets)
	}
}

// Liveness: a partition that never heals (account | g3, from 0s) leaves
// the recovery waiting for g3 until its timeout, which the invariant
// names; healed after 150ms, as the example has it, the run ends in time.
func TestLivenessCatchesARunThatNeverEnds(t *testing.T) {
	for _, heal := range []bool{true, false} {
		path := recoveryDeployment(t, false)
		src, _ := os.ReadFile(path)
		src = bytes.Replace(src, []byte(`timeout = "1h"`), []byte(`timeout = "1m"`), 1)
		if !heal {
			healAfter := []byte(`heal_after = "150ms"`)
			if !bytes.Contains(src, healAfter) {
				t.Fatalf("the example's partition no longer says %s", healAfter)
			}
			src = bytes.Replace(src, healAfter, nil, 1)
		}
		if err := os.WriteFile(path, src, 0o600); err != nil {
			t.Fatal(err)
		}
		s := simtest.New(t, path, 7, simtest.WithDecideRules("Guardian[*]=Approve"), simtest.WithInvariants(sim.Liveness(5000)))
		out := s.Run()
		switch {
		case heal && out.Violation != nil:
			t.Errorf("healed after 150ms: %v", out.Violation)
		case !heal && (out.Violation == nil || !strings.HasPrefix(out.Violation.Invariant, "liveness") || !strings.Contains(out.Violation.Err.Error(), `run "recovery" timed out`)):
			t.Errorf("never healed: violation %v", out.Violation)
		}
		if out.Violation != nil {
			t.Logf("%v", out.Violation)
		}
	}
}

// An invariant block selects a built-in with its parameters: the planted
// bug is caught by the example's own block (two_approvals), from the
// deployment file alone.
func TestInvariantBlockCatchesThePlantedBug(t *testing.T) {
	block := exampleInvariants(t)
	for _, planted := range []bool{false, true} {
		path := recoveryDeployment(t, planted)
		src, _ := os.ReadFile(path)
		if err := os.WriteFile(path, append(src, block...), 0o600); err != nil {
			t.Fatal(err)
		}
		out := simtest.New(t, path, 7, simtest.WithDecideRules(oneApproval...)).Run()
		switch {
		case !planted && out.Violation != nil:
			t.Errorf("without the bug: %v", out.Violation)
		case planted && (out.Violation == nil || out.Violation.Invariant != "two_approvals"):
			t.Errorf("with the bug: violation %v", out.Violation)
		}
	}
}

// `simulate` places a violation of an invariant block at the block, and a
// sweep's failing seed names it.
func TestViolationOfABlockIsReportedAtIt(t *testing.T) {
	path := recoveryDeployment(t, true)
	src, _ := os.ReadFile(path)
	src = append(src, exampleInvariants(t)...)
	line := bytes.Count(src[:bytes.Index(src, []byte(`invariant "two_approvals"`))], []byte{'\n'}) + 1
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	dep, diags := config.Load(path, config.Options{Builtins: plugins.Names()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	sc, _ := scenario.Load(path, dep)
	sc.Rules, _ = session.ParseRules(oneApproval, sc.Programs...)
	sc.Builtins = plugins.Lookup
	out, err := sc.Simulate(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	rep := sc.Report(7, out)
	if rep.Runs[0].Fault == nil || rep.Runs[0].Fault.Kind != scenario.InvariantKind {
		t.Fatalf("run fault %+v", rep.Runs[0].Fault)
	}
	d := sc.RunFaultDiagnostic(7, &rep.Runs[0])
	if d.Subject == nil || d.Subject.Start.Line != line {
		t.Errorf("the diagnostic is at %v, not the invariant block at line %d", d.Subject, line)
	}
}

// An invariant found violated when every run had ended (one checked at
// the end, AtEnd, as liveness is) still fails the seed, and the sweep's
// line for it names the invariant.
func TestViolationAfterTheRunsEndedFailsTheSeed(t *testing.T) {
	path := recoveryDeployment(t, false)
	dep, diags := config.Load(path, config.Options{Builtins: plugins.Names()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	sc, _ := scenario.Load(path, dep)
	sc.Rules, _ = session.ParseRules([]string{"Guardian[*]=Approve"}, sc.Programs...)
	// "Under end+1 ms" holds for seed 7, "under end ms" does not.
	sc.Builtins = plugins.Lookup
	first, err := sc.Simulate(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	end := first.Runs[0].FinishedMs
	for limit, late := range map[int64]bool{end + 1: false, end: true} {
		name := fmt.Sprintf("under_%dms", limit)
		under := sim.Invariant{Name: name, AtEnd: true, Check: func(v *sim.View) error {
			if r := v.Runs()[0]; r.FinishedMs >= limit {
				return fmt.Errorf("run %s ended at %dms", r.Name, r.FinishedMs)
			}
			return nil
		}}
		sc.Builtins, sc.Invariants = plugins.Lookup, []sim.Invariant{under}
		out, err := sc.Simulate(context.Background(), 7)
		if err != nil {
			t.Fatal(err)
		}
		rep := sc.Report(7, out)
		if out.Runs[0].Err != nil || (rep.Status == "failed") != late || (rep.Violation != nil) != late {
			t.Fatalf("%s, ended at %dms: run %v, status %s, violation %+v", name, out.Runs[0].FinishedMs, out.Runs[0].Err, rep.Status, rep.Violation)
		}
		if !late {
			continue
		}
		var text strings.Builder
		rep.WriteFailing(&text)
		if !strings.HasPrefix(text.String(), fmt.Sprintf("seed 7: invariant under_%dms violated at step", end)) {
			t.Errorf("%s", text.String())
		}
	}
}

// fact_count reads an agent's journal after every step: the account's
// guard.send facts (one per message it sends) reach their count n at the
// end; an invariant block allowing n holds, one allowing n-1 stops the
// simulation at the step of the n-th send.
func TestFactCountReadsTheJournal(t *testing.T) {
	var n int
	spy := simtest.Invariant("spy", func(v *sim.View) error {
		var err error
		n, err = v.FactCount(context.Background(), "account", "guard.send")
		return err
	})
	out := simtest.New(t, recoveryDeployment(t, false), 7, simtest.WithDecideRules("Guardian[*]=Approve"), simtest.WithInvariants(spy)).Run()
	if out.Failed() || n < 6 { // Request and Granted to three guardians
		t.Fatalf("failed %v; %d sends journaled", out.Failed(), n)
	}
	for _, max := range []int{n, n - 1} {
		path := recoveryDeployment(t, false)
		src, _ := os.ReadFile(path)
		src = append(src, fmt.Sprintf("\ninvariant \"sends\" {\n  builtin = \"fact_count\"\n  agent = \"account\"\n  type = \"guard.send\"\n  max = %d\n}\n", max)...)
		if err := os.WriteFile(path, src, 0o600); err != nil {
			t.Fatal(err)
		}
		out := simtest.New(t, path, 7, simtest.WithDecideRules("Guardian[*]=Approve")).Run()
		switch {
		case max == n && out.Violation != nil:
			t.Errorf("at most %d: %v", max, out.Violation)
		case max < n && (out.Violation == nil || out.Violation.Invariant != "sends" ||
			out.Violation.Err.Error() != fmt.Sprintf("the journal of agent account holds %d facts of type guard.send, more than %d", n, max)):
			t.Errorf("at most %d of %d: violation %v", max, n, out.Violation)
		}
	}
}

// Checking invariants that hold changes nothing a simulation does: the
// bundle is the same bytes with every invariant on as with none.
func TestInvariantsThatHoldChangeNothing(t *testing.T) {
	path := recoveryDeployment(t, false)
	off := simtest.New(t, path, 7, simtest.WithDecideRules("Guardian[*]=Approve"), simtest.WithoutDefaultInvariants())
	on := simtest.New(t, path, 7, simtest.WithDecideRules("Guardian[*]=Approve"),
		simtest.WithInvariants(threshold, sim.Liveness(60_000), sim.FactCount("account", "guard.send", 100)))
	a, b := off.Run(), on.Run()
	on.RequireSuccess(b)
	on.RequireSameBundle(a, b)
}
