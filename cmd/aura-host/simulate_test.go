package main_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// simulationDeployment copies examples/simulation/deployment.hcl into a
// fresh directory (its protocol path made absolute), so that nothing the
// test runs writes beside the example.
func simulationDeployment(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("../../examples/simulation/deployment.hcl")
	if err != nil {
		t.Fatal(err)
	}
	protocols, err := filepath.Abs("../../examples/protocols")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(src), `"../protocols/`, `"`+protocols+`/`)
	return writeFile(t, "deployment.hcl", text)
}

// slowDeployment is two agents and two runs of a protocol whose reply
// takes an hour of virtual time: run "slow" allows it 30 minutes and times
// out, run "patient" allows two hours and completes.
func slowDeployment(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	protocol := `protocol "slow_reply" {
  roles = ["Asker", "Sleeper"]

  send "Asker" "Sleeper" "Ask" {
    value = host()
    sort  = "bytes"
    bind  = "question"
  }
  invoke "Sleeper" "clock.sleep_ms" {
    args = { ms = 3600000 }
  }
  send "Sleeper" "Asker" "Reply" {
    value = "$question"
    sort  = "bytes"
    bind  = "answer"
  }
}
`
	deployment := `deployment "slow" {
  mode = "simulation"
}

agent "alice" {
  allow = ["*"]
  flow_budget { limit = 100 }
}

agent "bob" {
  allow = ["*"]
  flow_budget { limit = 100 }
}

plugin "crypto"  { builtin = "crypto" }
plugin "journal" { builtin = "journal" }
plugin "clock"   { builtin = "sim-clock" }
plugin "random"  { builtin = "sim-random" }
plugin "network" { builtin = "sim-network" }

run "slow" {
  protocol = "slow_reply.hcl"
  roles    = { Asker = "alice", Sleeper = "bob" }
  timeout  = "30m"
}

run "patient" {
  protocol = "slow_reply.hcl"
  roles    = { Asker = "bob", Sleeper = "alice" }
  timeout  = "2h"
}
`
	for name, content := range map[string]string{"slow_reply.hcl": protocol, "deployment.hcl": deployment} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "deployment.hcl")
}

// simOutcome is the part of `simulate --json` the tests read.
type simOutcome struct {
	Seed       uint64 `json:"seed"`
	Status     string `json:"status"`
	BundleHash string `json:"bundle_hash"`
	Runs       []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Roles  []struct {
			Role     string                     `json:"role"`
			Agent    string                     `json:"agent"`
			Bindings map[string]json.RawMessage `json:"bindings"`
		} `json:"roles"`
	} `json:"runs"`
}

func TestSimulateGuardianRecoveryAcrossFourAgents(t *testing.T) {
	dep := simulationDeployment(t)
	out := mustCLI(t, "simulate", dep, "--seed", "7")
	for _, want := range []string{
		`simulation of deployment "guardian_recovery"`, "seed 7: 4 agents, 1 run, 2 faults",
		"run recovery: ok, finished at ", "of virtual time in ", "bundle: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("simulate output lacks %q:\n%s", want, out)
		}
	}

	// Every guardian approves: the account grants the recovery.
	var o simOutcome
	if err := json.Unmarshal([]byte(mustCLI(t, "simulate", dep, "--seed", "7", "--decide", "Guardian[*]=Approve", "--json")), &o); err != nil {
		t.Fatal(err)
	}
	if o.Status != "ok" || len(o.Runs) != 1 || o.Runs[0].Status != "ok" {
		t.Fatalf("outcome: %+v", o)
	}
	granted := false
	for _, r := range o.Runs[0].Roles {
		if r.Role == "Account" {
			v, ok := r.Bindings["granted_at"]
			granted = ok && string(v) != "null"
		}
	}
	if !granted {
		t.Fatalf("every guardian approved, and the account did not grant: %+v", o.Runs[0].Roles)
	}
	out = mustCLI(t, "simulate", dep, "--seed", "7", "--decide", "Guardian[*]=Approve", "--bindings")
	if !regexp.MustCompile(`(?m)^  role Account \(agent account\)$`).MatchString(out) || !strings.Contains(out, "$granted_at") {
		t.Errorf("--bindings output lacks the account's grant:\n%s", out)
	}

	// A misspelt rule is an error, not a silently seeded choice.
	_, stderr, code := cli(t, "simulate", dep, "--decide", "Guardian[*]=Aprove")
	if code != 1 || !strings.Contains(stderr, "never chooses Aprove; the host decides among Approve, Decline") {
		t.Fatalf("misspelt --decide: exit %d\n%s", code, stderr)
	}
}

// The same seed records the same bundle, byte for byte, and trace diff
// says so; another seed diverges, and diff shows the first line where it
// does, with the JSON field. Each machine's trace replays.
func TestSimulateRecordsReproducibleBundles(t *testing.T) {
	// Without the swarm block: two seeds then schedule the same faults, so
	// the first divergence is in a machine's trace (with it, it is the
	// bundle's swarm line, the faults each seed drew).
	src, err := os.ReadFile(simulationDeployment(t))
	if err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`(?ms)^swarm \{.*?^\}\n`).ReplaceAllString(string(src), "")
	if text == string(src) {
		t.Fatal("the example has no swarm block to leave out")
	}
	dep := writeFile(t, "deployment.hcl", text)
	dir := t.TempDir()
	rec := func(seed string) string {
		path := filepath.Join(dir, "seed-"+seed+"-"+filepath.Base(t.TempDir())+".jsonl")
		out := mustCLI(t, "simulate", dep, "--seed", seed, "--record", path)
		if !strings.Contains(out, "recorded: "+path) {
			t.Fatalf("simulate --record output:\n%s", out)
		}
		return path
	}
	a, b, c := rec("7"), rec("7"), rec("8")
	ba, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if string(ba) != string(bb) || !strings.HasPrefix(string(ba), `{"deployment":"guardian_recovery","format":"aura-sim-bundle/v1"`) {
		t.Fatalf("two recordings of seed 7 differ, or are not bundles:\n%s\n---\n%s", ba, bb)
	}

	out := mustCLI(t, "trace", "diff", a, b)
	if !strings.Contains(out, "identical: the ") {
		t.Fatalf("same seed:\n%s", out)
	}

	out, stderr, code := cli(t, "trace", "diff", a, c)
	if code != 1 {
		t.Fatalf("seeds 7 and 8: exit %d, want 1\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{
		"header differs: seed: 7 vs 8", "trace headers differ: ", "first divergence at line ",
		`in the trace of run "recovery", role `, "\nA:\n", "\nB:\n", "fields that differ at line ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("diff output lacks %q:\n%s", want, out)
		}
	}
	m := regexp.MustCompile(`first divergence at line (\d+)`).FindStringSubmatch(out)
	if m == nil || len(regexp.MustCompile(`(?m)^  >\s+`+m[1]+`  `).FindAllString(out, -1)) != 2 {
		t.Errorf("want the divergent line marked on both sides:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^  outputs\.\S+\s+A: `).MatchString(out) {
		t.Errorf("want the differing field's path inside the JSON line:\n%s", out)
	}

	out = mustCLI(t, "trace", "replay", a)
	if strings.Count(out, ": OK: replayed ") != 4 || !strings.Contains(out, "OK: every machine trace replayed") {
		t.Fatalf("replay of the bundle:\n%s", out)
	}

	// An altered line fails replay at its line, and diff calls it unreadable.
	altered := filepath.Join(dir, "altered.jsonl")
	lines := strings.Split(string(ba), "\n")
	for i, l := range lines {
		if strings.Contains(l, `"kind":"recv"`) && strings.Contains(l, `"operation":"Enroll"`) {
			lines[i] = strings.Replace(l, `"operation":"Enroll"`, `"operation":"Enrol"`, 1)
			break
		}
	}
	if err := os.WriteFile(altered, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, stderr, code := cli(t, "trace", "replay", altered); code != 1 || !strings.Contains(out, "DIVERGED at entry") || !strings.Contains(stderr, "Determinism fault") {
		t.Fatalf("replay of an altered bundle: exit %d\n%s\n%s", code, out, stderr)
	}
	if _, stderr, code := cli(t, "trace", "diff", a, altered); code != 2 || !strings.Contains(stderr, "was altered") {
		t.Fatalf("diff with an altered bundle: exit %d, want 2\n%s", code, stderr)
	}
	// A bundle and a protocol trace do not compare.
	if _, stderr, code := cli(t, "trace", "diff", a, dep); code != 2 || !strings.Contains(stderr, "is a simulation bundle") {
		t.Fatalf("diff of a bundle and a deployment: exit %d, want 2\n%s", code, stderr)
	}
}

func TestSimulateSweepsSeeds(t *testing.T) {
	dep := simulationDeployment(t)
	out, stderr, code := cli(t, "simulate", dep, "--seeds", "1..5")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	// Seed 3 draws a duplicate whose copy the guard chain refuses, a
	// warning in a single run; a sweep logs errors only.
	if strings.Contains(stderr, "[WARN]") {
		t.Errorf("a sweep logged warnings:\n%s", stderr)
	}
	for _, want := range []string{"sweeping seeds 1..5", "summary: 5 seeds simulated in ", ": 5 ok, 0 failed; 5 distinct bundles"} {
		if !strings.Contains(out, want) {
			t.Errorf("sweep output lacks %q:\n%s", want, out)
		}
	}
	// The sweep's per-seed hashes are those of single runs: running seeds
	// side by side changes nothing in any of them.
	var sweep struct {
		Results []struct {
			Seed       uint64 `json:"seed"`
			BundleHash string `json:"bundle_hash"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(mustCLI(t, "simulate", dep, "--seeds", "2..4", "--parallel", "3", "--json")), &sweep); err != nil {
		t.Fatal(err)
	}
	if len(sweep.Results) != 3 || sweep.Results[0].Seed != 2 || sweep.Results[2].Seed != 4 {
		t.Fatalf("results: %+v", sweep.Results)
	}
	var one simOutcome
	if err := json.Unmarshal([]byte(mustCLI(t, "simulate", dep, "--seed", "3", "--json")), &one); err != nil {
		t.Fatal(err)
	}
	if one.BundleHash != sweep.Results[1].BundleHash {
		t.Fatalf("seed 3 alone hashes %s, in the sweep %s", one.BundleHash, sweep.Results[1].BundleHash)
	}
}

// A run that times out fails the simulation: its fault is placed at the
// run's timeout, and a sweep prints the command that reproduces each
// failing seed — which does, and records a bundle that replays.
func TestSimulateFailingRunPrintsTheReproduceCommand(t *testing.T) {
	dep := slowDeployment(t)
	out, stderr, code := cli(t, "simulate", dep, "--seed", "3")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(out, "run slow: failed at ") || !strings.Contains(out, "Timeout") || !strings.Contains(out, "run patient: ok, finished at 1h0m0s") {
		t.Errorf("outcome:\n%s", out)
	}
	if !strings.Contains(stderr, dep+":24:14") || !strings.Contains(stderr, `Run "slow" failed (seed 3): Timeout`) {
		t.Errorf("want the fault as a diagnostic at the run's timeout (%s:24:14):\n%s", dep, stderr)
	}

	out, stderr, code = cli(t, "simulate", dep, "--seeds", "1..3")
	if code != 1 {
		t.Fatalf("sweep: exit %d, want 1\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(out, "seed 2: run slow failed at ") || !strings.Contains(out, "0 ok, 3 failed") || !strings.Contains(out, "failing seeds: 1, 2, 3") ||
		!strings.Contains(out, `seed 1 fails without any fault (run "slow" failed with Timeout): nothing to shrink`) {
		t.Errorf("sweep output:\n%s", out)
	}
	m := regexp.MustCompile(`(?m)^  reproduce: (aura-host simulate .* --seed 2 --record seed-2\.jsonl)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no reproduce command for seed 2:\n%s", out)
	}
	args := strings.Fields(m[1])[1:]
	cmd := exec.Command(auraHost, args...)
	cmd.Dir = t.TempDir()
	got, _ := cmd.Output()
	if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(got), "seed 2: 2 agents") || !strings.Contains(string(got), "run slow: failed") {
		t.Fatalf("the reproduce command %q: exit %d\n%s", m[1], cmd.ProcessState.ExitCode(), got)
	}
	out = mustCLI(t, "trace", "replay", filepath.Join(cmd.Dir, "seed-2.jsonl"))
	if !strings.Contains(out, "the failed run stopped it") || !strings.Contains(out, "OK: every machine trace replayed") {
		t.Fatalf("replay of the failing seed's bundle:\n%s", out)
	}
}

func TestSimulateReportsMistakesAtTheirLine(t *testing.T) {
	// No run block: say what to add.
	file := quickstart(t)
	_, stderr, code := cli(t, "simulate", file)
	if code != 1 || !strings.Contains(stderr, "Nothing to simulate") || !strings.Contains(stderr, file+":7:1") || !strings.Contains(stderr, `run "ping" {`) {
		t.Fatalf("a deployment without runs: exit %d\n%s", code, stderr)
	}

	// A role the protocol lacks, and one left unbound.
	src, err := os.ReadFile(slowDeployment(t))
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(src), `Asker = "alice", Sleeper = "bob"`, `Asker = "alice", Sleper = "bob"`, 1)
	file = filepath.Join(t.TempDir(), "deployment.hcl")
	if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = cli(t, "simulate", file)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, stderr)
	}
	for _, want := range []string{"Cannot read protocol", file + ":22:14", file + ":28:14"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, stderr)
		}
	}
	protocolDir := filepath.Dir(slowDeployment(t))
	bad = strings.ReplaceAll(bad, `"slow_reply.hcl"`, `"`+filepath.Join(protocolDir, "slow_reply.hcl")+`"`)
	if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = cli(t, "simulate", file)
	for _, want := range []string{"Unbound roles", "does not bind the role Sleeper", "No such role", file + ":23:33"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, stderr)
		}
	}
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}

	for _, args := range [][]string{
		{"--seeds", "5..1"}, {"--seeds", "7"}, {"--seed", "1", "--seeds", "1..2"}, {"--seeds", "1..2", "--record", "x.jsonl"},
		{"--granularity", "disabled"},
	} {
		if _, stderr, code := cli(t, append([]string{"simulate", slowDeployment(t)}, args...)...); code != 1 || !strings.HasPrefix(stderr, "Error: --") {
			t.Errorf("simulate %v: exit %d\n%s", args, code, stderr)
		}
	}
}

// --state-dir places the seeds' throwaway state, and says where in the
// sweep's first line; a directory that is missing, a file or on a kernel
// filesystem is refused before any seed runs.
func TestSimulateStateDir(t *testing.T) {
	dep := simulationDeployment(t)
	dir := t.TempDir()
	out, stderr, code := cli(t, "simulate", dep, "--seeds", "1..2", "--state-dir", dir)
	if code != 0 || !strings.Contains(out, "; state under "+dir+"\n") {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the sweep left %v in %s", left, dir)
	}
	file := writeFile(t, "not-a-dir", "")
	for arg, want := range map[string]string{
		filepath.Join(dir, "missing"): "create it, or leave --state-dir out",
		file:                          "is a regular file, not a directory",
		"/proc/self":                  "lies under /proc, a kernel filesystem",
	} {
		out, stderr, code := cli(t, "simulate", dep, "--seeds", "1..2", "--state-dir", arg)
		if code == 0 || out != "" || !strings.Contains(stderr, want) {
			t.Errorf("--state-dir %s: exit %d, want an error saying %q before any seed\n%s\n%s", arg, code, want, out, stderr)
		}
	}
}
