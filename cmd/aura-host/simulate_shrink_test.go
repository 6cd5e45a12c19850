package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// plantedDeployment copies host/sim's planted-bug fixture (a coordinator
// that counts a guardian's re-sent approval again each round) into a
// fresh directory.
func plantedDeployment(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"deployment.hcl", "fresh_approval.hcl"} {
		src, err := os.ReadFile(filepath.Join("../../host/sim/testdata/planted", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "deployment.hcl")
}

// sweepShrink is what `simulate --seeds --json` says of a failing sweep.
type sweepShrink struct {
	Failed uint64 `json:"failed"`
	Shrunk *struct {
		Seed    uint64 `json:"seed"`
		Failure struct {
			Invariant string `json:"invariant"`
		} `json:"failure"`
		Original   int    `json:"original_faults"`
		Faults     int    `json:"faults"`
		Exhausted  bool   `json:"exhausted"`
		HCL        string `json:"hcl"`
		Written    string `json:"written"`
		BundleHash string `json:"bundle_hash"`
		Reproduce  string `json:"reproduce"`
	} `json:"shrunk"`
}

// Acceptance 2 of issue 15, through the command: sweeping seeds from 1 in
// windows of 25 (up to 1,000) finds the planted bug, the sweep shrinks
// the first failing seed to at most 3 faults and writes them to
// --shrink-out, and the printed command, run twice from two directories,
// records the same bundle both times, byte for byte — the bundle whose
// hash the shrink printed — failing the same invariant.
func TestSimulateShrinksThePlantedBugAndItsCommandReproducesIt(t *testing.T) {
	dep := plantedDeployment(t)
	out := filepath.Join(t.TempDir(), "shrunk.hcl")
	var rep sweepShrink
	for from := 1; from <= 1000 && rep.Failed == 0; from += 25 {
		stdout, stderr, code := cli(t, "simulate", dep, "--seeds", fmt.Sprintf("%d..%d", from, from+24), "--json", "--shrink-out", out)
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("seeds from %d: exit %d, %v\n%s\n%s", from, code, err, stdout, stderr)
		}
		if (rep.Failed > 0) != (code == 1) {
			t.Fatalf("seeds from %d: %d failed, exit %d\n%s", from, rep.Failed, code, stderr)
		}
	}
	s := rep.Shrunk
	if s == nil {
		t.Fatalf("no shrink in the failing sweep's report: %+v", rep)
	}
	t.Logf("seed %d: %d faults shrunk to %d:\n%s", s.Seed, s.Original, s.Faults, s.HCL)
	if s.Failure.Invariant != "two_approvals" || s.Faults > 3 || s.Faults == 0 || s.Exhausted {
		t.Fatalf("shrink: %+v", *s)
	}
	written, err := os.ReadFile(out)
	if err != nil || string(written) != s.HCL || s.Written != out {
		t.Fatalf("--shrink-out %s holds %q (%v), the shrink printed %q", out, written, err, s.HCL)
	}
	want := fmt.Sprintf("aura-host simulate %s --seed %d --faults %s --record shrunk-%d.jsonl", dep, s.Seed, out, s.Seed)
	if s.Reproduce != want {
		t.Fatalf("reproduce: %q\nwant %q", s.Reproduce, want)
	}
	var bundles [2][]byte
	for i := range bundles {
		cmd := exec.Command(auraHost, strings.Fields(s.Reproduce)[1:]...)
		cmd.Dir = t.TempDir()
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(stdout.String(), `invariant two_approvals: violated`) {
			t.Fatalf("the reproduce command, run %d: %v\n%s\n%s", i+1, err, stdout.String(), stderr.String())
		}
		if m := regexp.MustCompile(`(?m)^bundle: \d+ lines, hash ([0-9a-f]+)$`).FindStringSubmatch(stdout.String()); m == nil || m[1] != s.BundleHash {
			t.Fatalf("the reproduce command, run %d, is not the shrinker's bundle %s:\n%s", i+1, s.BundleHash, stdout.String())
		}
		if bundles[i], err = os.ReadFile(filepath.Join(cmd.Dir, fmt.Sprintf("shrunk-%d.jsonl", s.Seed))); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(bundles[0], bundles[1]) {
		t.Fatal("the reproduce command recorded two different bundles")
	}
}

// --faults replays a fault file, checked at its lines; the shrink flags
// belong to sweeps, and --faults to one seed.
func TestSimulateFaultsFlagMistakes(t *testing.T) {
	dep := plantedDeployment(t)
	bad := filepath.Join(t.TempDir(), "faults.hcl")
	if err := os.WriteFile(bad, []byte("fault \"crash\" {\n  at    = \"1ms\"\n  agent = \"g4\"\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := cli(t, "simulate", dep, "--seed", "1", "--faults", bad)
	if code != 1 || !strings.Contains(stderr, bad+":3:11") || !strings.Contains(stderr, "Unknown agent") || !strings.Contains(stderr, `agent = "g4"`) {
		t.Errorf("a fault file naming an unknown agent: exit %d\n%s", code, stderr)
	}
	_, stderr, code = cli(t, "simulate", dep, "--seed", "1", "--faults", filepath.Join(t.TempDir(), "missing.hcl"))
	if code != 1 || !strings.Contains(stderr, "Cannot read fault file") {
		t.Errorf("a missing fault file: exit %d\n%s", code, stderr)
	}
	for _, args := range [][]string{
		{"--seeds", "1..2", "--faults", bad}, {"--seed", "1", "--no-shrink"}, {"--shrink-out", "x.hcl"},
		{"--seeds", "1..2", "--shrink-budget", "0"},
	} {
		if _, stderr, code := cli(t, append([]string{"simulate", dep}, args...)...); code != 1 || !strings.HasPrefix(stderr, "Error: --") {
			t.Errorf("simulate %v: exit %d\n%s", args, code, stderr)
		}
	}
	// An empty fault file is an empty schedule: the seed runs without a
	// fault, and the bug stays hidden.
	empty := filepath.Join(t.TempDir(), "none.hcl")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	stdout := mustCLI(t, "simulate", dep, "--seed", "1", "--faults", empty)
	if !strings.Contains(stdout, "0 faults from "+empty) || !strings.Contains(stdout, "run approval: ok") {
		t.Errorf("an empty fault file:\n%s", stdout)
	}
}
