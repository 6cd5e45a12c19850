package main_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// exampleProtocols are the protocols under examples/protocols, each run by
// TestProtocolRunCompletesEveryExample.
var exampleProtocols = []string{"ping_pong", "two_phase_commit", "guardian_recovery", "threshold_signing", "anti_entropy"}

func exampleProtocol(name string) string {
	return filepath.Join("..", "..", "examples", "protocols", name+".hcl")
}

// protocolsDeployment copies examples/protocols/deployment/deployment.hcl into a
// fresh directory, so that its state directory is private to the test.
func protocolsDeployment(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("../../examples/protocols/deployment/deployment.hcl")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "deployment.hcl")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeFile writes content to name in a fresh directory and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runOutcome is the part of `protocol run --json` the tests read.
type runOutcome struct {
	Protocol  string `json:"protocol"`
	Status    string `json:"status"`
	Seed      uint64 `json:"seed"`
	TraceHash string `json:"trace_hash"`
	Roles     []struct {
		Role     string                     `json:"role"`
		Status   string                     `json:"status"`
		Bindings map[string]json.RawMessage `json:"bindings"`
	} `json:"roles"`
	Fault *struct {
		Kind     string `json:"kind"`
		Role     string `json:"role"`
		Position string `json:"position"`
	} `json:"fault"`
}

func (o *runOutcome) binding(t *testing.T, role, name string) string {
	t.Helper()
	for _, r := range o.Roles {
		if r.Role == role {
			v, ok := r.Bindings[name]
			if !ok {
				t.Fatalf("role %s has no binding %q: %v", role, name, r.Bindings)
			}
			var b bytes.Buffer
			if err := json.Compact(&b, v); err != nil {
				t.Fatal(err)
			}
			return b.String()
		}
	}
	t.Fatalf("no role %s in the outcome", role)
	return ""
}

// runProtocolJSON runs `protocol run --json` and decodes its outcome.
func runProtocolJSON(t *testing.T, args ...string) (*runOutcome, string, int) {
	t.Helper()
	stdout, stderr, code := cli(t, append([]string{"protocol", "run", "--json", "--log-level", "warn"}, args...)...)
	var out runOutcome
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("protocol run %v: exit %d, output is not the JSON outcome: %v\nstdout:\n%s\nstderr:\n%s", args, code, err, stdout, stderr)
	}
	return &out, stderr, code
}

// traceEntry is one line of a recorded trace, as far as the tests read it.
type traceEntry struct {
	OrderingKey uint64          `json:"ordering_key"`
	Kind        string          `json:"kind"`
	Role        string          `json:"role"`
	Operation   string          `json:"operation"`
	Inputs      json.RawMessage `json:"inputs"`
	Outputs     json.RawMessage `json:"outputs"`
}

// readTraceLines returns a trace file's raw lines: the header, then the
// entries.
func readTraceLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func decodeEntries(t *testing.T, lines []string) []traceEntry {
	t.Helper()
	var out []traceEntry
	for i, line := range lines[1:] {
		var e traceEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("trace entry %d: %v", i, err)
		}
		out = append(out, e)
	}
	return out
}

// jsonBytes reads the bytes of a value in the JSON value form, {"bytes":"hex"}.
func jsonBytes(t *testing.T, raw json.RawMessage) []byte {
	t.Helper()
	var v struct {
		Bytes *string `json:"bytes"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || v.Bytes == nil {
		t.Fatalf("%s is not a bytes value: %v", raw, err)
	}
	b, err := hex.DecodeString(*v.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestProtocolCheckAcceptsEveryExample(t *testing.T) {
	for _, name := range exampleProtocols {
		out := mustCLI(t, "protocol", "check", exampleProtocol(name))
		if !strings.Contains(out, fmt.Sprintf("protocol %q is well formed", name)) || !strings.Contains(out, "ROLE") {
			t.Errorf("check %s:\n%s", name, out)
		}
	}
	out := mustCLI(t, "protocol", "check", "--types", exampleProtocol("ping_pong"))
	if !strings.Contains(out, "role Server of ping_pong") || !strings.Contains(out, "recv Client Ping(bytes) -> $ping") {
		t.Errorf("check --types prints the local types:\n%s", out)
	}
}

// A mistake is reported as validate reports one: file:line:col, the
// source line, carets under the offending step, and exit status 1.
func TestProtocolCheckReportsMistakesAtFileLineCol(t *testing.T) {
	file := writeFile(t, "broken.hcl", `protocol "broken" {
  roles = ["A", "B"]

  send "A" "A" "Ping" {}
  send "B" "A" "Pong" {
    value = "$nothing"
  }
}
`)
	stdout, stderr, code := cli(t, "protocol", "check", file)
	if code != 1 || stdout != "" {
		t.Fatalf("exit %d, want 1 and nothing on stdout\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"Error: Self-send", file + `:4:3, in protocol "broken":`, `   4:   send "A" "A" "Ping" {}`, "        ^^^^^^^^^^^^^^^^^^^",
		"Error: Use before bind", file + ":6:13",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("check output lacks %q:\n%s", want, stderr)
		}
	}
	// project and run read the file the same way and stop at the same mistakes.
	for _, args := range [][]string{{"protocol", "project", file}, {"protocol", "run", file, "-d", protocolsDeployment(t)}} {
		if _, stderr, code := cli(t, args...); code != 1 || !strings.Contains(stderr, file+":4:3") {
			t.Errorf("%v: exit %d, stderr:\n%s", args, code, stderr)
		}
	}
}

// interchangeLocal is a local type in the JSON interchange form.
type interchangeLocal struct {
	Kind     string `json:"kind"`
	Partner  string `json:"partner"`
	Branches []struct {
		Label *struct {
			Name string `json:"name"`
			Sort string `json:"sort"`
		} `json:"label"`
		Continuation *interchangeLocal `json:"continuation"`
	} `json:"branches"`
	Var  string            `json:"var"`
	Name string            `json:"name"`
	Body *interchangeLocal `json:"body"`
}

// check walks a local type and reports the first node that is not of the
// interchange form.
func (l *interchangeLocal) check(path string) error {
	switch l.Kind {
	case "send", "recv":
		if l.Partner == "" || len(l.Branches) == 0 {
			return fmt.Errorf("%s: %s without partner or branches", path, l.Kind)
		}
		for i, b := range l.Branches {
			if b.Label == nil || b.Label.Name == "" || b.Label.Sort == "" || b.Continuation == nil {
				return fmt.Errorf("%s.branches[%d]: want label {name, sort} and continuation", path, i)
			}
			if err := b.Continuation.check(fmt.Sprintf("%s.branches[%d].continuation", path, i)); err != nil {
				return err
			}
		}
	case "rec":
		if l.Var == "" || l.Body == nil {
			return fmt.Errorf("%s: rec without var or body", path)
		}
		return l.Body.check(path + ".body")
	case "var":
		if l.Name == "" {
			return fmt.Errorf("%s: var without name", path)
		}
	case "end":
	default:
		return fmt.Errorf("%s: kind %q is not send, recv, rec, var or end", path, l.Kind)
	}
	return nil
}

func TestProtocolProjectJSONIsTheInterchangeForm(t *testing.T) {
	for _, name := range exampleProtocols {
		out := mustCLI(t, "protocol", "project", "--json", exampleProtocol(name))
		var byRole map[string]*interchangeLocal
		if err := json.Unmarshal([]byte(out), &byRole); err != nil {
			t.Fatalf("project --json %s is not JSON keyed by role: %v\n%s", name, err, out)
		}
		if len(byRole) < 2 {
			t.Errorf("%s: %d roles in %s", name, len(byRole), out)
		}
		for role, local := range byRole {
			if err := local.check(role); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	// One role: that role's local type alone.
	out := mustCLI(t, "protocol", "project", "--json", "--role", "Guardian[1]", exampleProtocol("guardian_recovery"))
	var local interchangeLocal
	if err := json.Unmarshal([]byte(out), &local); err != nil {
		t.Fatal(err)
	}
	if err := local.check("Guardian[1]"); err != nil || local.Kind != "send" || local.Partner != "Account" {
		t.Fatalf("Guardian[1]'s local type starts %s to %s (%v):\n%s", local.Kind, local.Partner, err, out)
	}
	if _, stderr, code := cli(t, "protocol", "project", "--role", "Nobody", exampleProtocol("ping_pong")); code != 1 || !strings.Contains(stderr, `"Nobody" is not a role of ping_pong`) {
		t.Fatalf("unknown role: exit %d, stderr:\n%s", code, stderr)
	}
}

var traceHashLine = regexp.MustCompile(`(?m)^trace: full, (\d+) entries, hash ([0-9a-f]{64})$`)

// The acceptance run of the VM: guardian recovery end to end through the
// real crypto plugin, out of process. Every guardian approves, the account
// verifies three Ed25519 signatures through the plugin, and they verify —
// per the plugin and per crypto/ed25519 over the recorded values. The
// recording then replays with no plugin at all, and a copy with one byte
// of one entry's output changed fails at exactly that entry.
func TestProtocolRunGuardianRecoveryThroughRealPlugins(t *testing.T) {
	dep := protocolsDeployment(t)
	record := filepath.Join(t.TempDir(), "recovery.jsonl")
	out := mustCLI(t, "protocol", "run", exampleProtocol("guardian_recovery"), "--deployment", dep,
		"--decide", "Guardian[*]=Approve", "--record", record)
	for _, want := range []string{"role Account: done", "$valid", "= [true, true, true]", "role Guardian[2]: done", "outcome: done", "recorded: " + record} {
		if !strings.Contains(out, want) {
			t.Errorf("outcome lacks %q:\n%s", want, out)
		}
	}
	m := traceHashLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no trace line in the outcome:\n%s", out)
	}
	hash := m[2]

	lines := readTraceLines(t, record)
	entries := decodeEntries(t, lines)
	if fmt.Sprint(len(entries)) != m[1] {
		t.Fatalf("the outcome counts %s entries, the recording holds %d", m[1], len(entries))
	}
	var verified, keypairs, signs int
	mutate := -1
	for i, e := range entries {
		switch {
		case e.Kind == "invoke" && e.Operation == "crypto.ed25519_generate_keypair":
			keypairs++
			if mutate < 0 {
				mutate = i
			}
		case e.Kind == "invoke" && e.Operation == "crypto.ed25519_sign":
			signs++
		case e.Kind == "invoke" && e.Operation == "crypto.ed25519_verify":
			verified++
			if string(e.Outputs) != "true" {
				t.Errorf("entry %d: %s by %s returned %s", i, e.Operation, e.Role, e.Outputs)
			}
			var args struct {
				Map map[string]json.RawMessage `json:"map"`
			}
			if err := json.Unmarshal(e.Inputs, &args); err != nil {
				t.Fatal(err)
			}
			pub, msg, sig := jsonBytes(t, args.Map["pub"]), jsonBytes(t, args.Map["msg"]), jsonBytes(t, args.Map["sig"])
			if !ed25519.Verify(pub, msg, sig) {
				t.Errorf("entry %d: crypto/ed25519 rejects the signature the plugin accepted", i)
			}
		}
	}
	if keypairs != 3 || signs != 3 || verified != 3 {
		t.Fatalf("the trace holds %d keypair, %d sign and %d verify invokes, want 3 of each", keypairs, signs, verified)
	}

	// Replay with no plugins: no deployment is even named.
	out = mustCLI(t, "trace", "replay", record)
	if !strings.Contains(out, "OK: replayed "+m[1]+" entries") || !strings.Contains(out, "trace hash "+hash) {
		t.Fatalf("replay:\n%s", out)
	}

	// One byte of one entry's output changed: the replay fails at that index.
	mutated := slices.Clone(lines)
	line := mutated[1+mutate]
	at := strings.Index(line, `"public":{"bytes":"`) + len(`"public":{"bytes":"`)
	flip := byte('0')
	if line[at] == '0' {
		flip = '1'
	}
	mutated[1+mutate] = line[:at] + string(flip) + line[at+1:]
	bad := writeFile(t, "mutated.jsonl", strings.Join(mutated, "\n")+"\n")
	stdout, stderr, code := cli(t, "trace", "replay", bad)
	if code != 1 || strings.Contains(stdout, "OK") {
		t.Fatalf("mutated trace: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if want := fmt.Sprintf("diverges at trace index %d\n", mutate); !strings.Contains(stderr, want) {
		t.Fatalf("mutated entry %d: stderr lacks %q:\n%s", mutate, want, stderr)
	}

	// A truncated trace replays up to its end and then diverges there.
	short := writeFile(t, "short.jsonl", strings.Join(lines[:len(lines)-2], "\n")+"\n")
	_, stderr, code = cli(t, "trace", "replay", short)
	if want := fmt.Sprintf("diverges at trace index %d\n", len(entries)-2); code != 1 || !strings.Contains(stderr, want) {
		t.Fatalf("truncated trace: exit %d, want 1 and %q in stderr:\n%s", code, want, stderr)
	}
}

// Two recordings with the same seed are byte-identical (the plugins run
// in testing mode, seeded too); another seed diverges, and diff shows
// where with context on both sides.
func TestTraceDiff(t *testing.T) {
	dep := protocolsDeployment(t)
	dir := t.TempDir()
	rec := func(name, seed string) string {
		path := filepath.Join(dir, name)
		mustCLI(t, "protocol", "run", exampleProtocol("guardian_recovery"), "-d", dep, "--seed", seed, "--record", path, "--log-level", "warn")
		return path
	}
	a, b, c := rec("a.jsonl", "7"), rec("b.jsonl", "7"), rec("c.jsonl", "8")

	out := mustCLI(t, "trace", "diff", a, b)
	hashes := regexp.MustCompile(`(?m)^[AB]: .*hash ([0-9a-f]{64})$`).FindAllStringSubmatch(out, -1)
	if len(hashes) != 2 || hashes[0][1] != hashes[1][1] || !strings.Contains(out, "identical") {
		t.Fatalf("same seed:\n%s", out)
	}
	if ra, rb := readTraceLines(t, a), readTraceLines(t, b); strings.Join(ra, "\n") != strings.Join(rb, "\n") {
		t.Fatal("two recordings with the same seed differ byte for byte")
	}

	out, stderr, code := cli(t, "trace", "diff", a, c)
	if code != 1 {
		t.Fatalf("different seeds: exit %d, want 1\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"first divergence at index 0", "\nA:\n", "\nB:\n", "INDEX  KEY  EFFECT  KIND", "header differs: seed: 7 vs 8", "fields that differ at index 0:", "outputs."} {
		if !strings.Contains(out, want) {
			t.Errorf("diff output lacks %q:\n%s", want, out)
		}
	}
	// The marked entry is the same index on both sides.
	if n := strings.Count(out, "  >  0 "); n != 2 {
		t.Errorf("want the divergence marked on both sides, found %d marks:\n%s", n, out)
	}

	// Unreadable input is trouble, not a difference.
	if _, _, code := cli(t, "trace", "diff", a, filepath.Join(dir, "missing.jsonl")); code != 2 {
		t.Fatalf("missing trace: exit %d, want 2", code)
	}
}

// Every example protocol completes through the real plugins: the FROST
// round through the crypto plugin's frost_* operations, anti-entropy
// through crypto.hash until the replicas agree.
func TestProtocolRunCompletesEveryExample(t *testing.T) {
	dep := protocolsDeployment(t)
	for _, name := range exampleProtocols {
		t.Run(name, func(t *testing.T) {
			out, stderr, code := runProtocolJSON(t, exampleProtocol(name), "-d", dep)
			if code != 0 || out.Status != "done" || out.Fault != nil {
				t.Fatalf("exit %d, status %s, fault %+v\nstderr:\n%s", code, out.Status, out.Fault, stderr)
			}
			for _, r := range out.Roles {
				if r.Status != "done" {
					t.Errorf("role %s: %s", r.Role, r.Status)
				}
			}
			switch name {
			case "ping_pong":
				if ping, pong := out.binding(t, "Server", "ping"), out.binding(t, "Client", "pong"); ping != pong {
					t.Errorf("pong %s is not the ping %s", pong, ping)
				}
			case "threshold_signing":
				if v := out.binding(t, "Coordinator", "valid"); v != "true" {
					t.Errorf("frost_verify of the aggregate signature = %s", v)
				}
				sig := out.binding(t, "Coordinator", "signature")
				for _, s := range []string{"Signer[0]", "Signer[1]", "Signer[2]"} {
					if got := out.binding(t, s, "signature"); got != sig {
						t.Errorf("%s holds signature %s, the coordinator %s", s, got, sig)
					}
				}
			case "anti_entropy":
				if a, b := out.binding(t, "Replica", "items"), out.binding(t, "Peer", "items"); a != b {
					t.Errorf("the replicas end with different items: %s and %s", a, b)
				}
				if d := out.binding(t, "Replica", "agreed_digest"); d == "null" {
					t.Error("the replica never agreed on a digest")
				}
			}
		})
	}

	// Two-phase commit down both branches, chosen with --decide.
	for label, want := range map[string]string{"Yes": `{"list":[true,true]}`, "No": `{"list":[false,false]}`} {
		out, stderr, code := runProtocolJSON(t, exampleProtocol("two_phase_commit"), "-d", dep, "--decide", "Participant[*]="+label)
		if code != 0 {
			t.Fatalf("--decide Participant[*]=%s: exit %d\n%s", label, code, stderr)
		}
		if got := out.binding(t, "Coordinator", "vote"); got != want {
			t.Errorf("--decide Participant[*]=%s: votes %s, want %s", label, got, want)
		}
	}
}

// A session that faults exits 1, names the role and the fault kind, and
// points at the protocol step; the recording of the faulted run replays.
func TestProtocolRunReportsAFaultAtItsStep(t *testing.T) {
	file := writeFile(t, "unknown_op.hcl", `protocol "unknown_op" {
  roles = ["A", "B"]

  invoke "A" "crypto.no_such_op" {
    result = "r"
  }
  send "A" "B" "Done" {}
}
`)
	record := filepath.Join(t.TempDir(), "fault.jsonl")
	out, stderr, code := runProtocolJSON(t, file, "-d", protocolsDeployment(t), "--record", record)
	if code != 1 || out.Status != "faulted" || out.Fault == nil || out.Fault.Kind != "Unavailable" || out.Fault.Role != "A" {
		t.Fatalf("exit %d, outcome %+v, fault %+v\nstderr:\n%s", code, out, out.Fault, stderr)
	}
	for _, want := range []string{"Session faulted: Unavailable in role A", file + ":4:3", "unknown_op"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if out := mustCLI(t, "trace", "replay", record); !strings.Contains(out, "so does the replay: Unavailable") {
		t.Errorf("replay of the faulted run:\n%s", out)
	}
}

// A file may hold several protocols; --protocol picks one, and positions
// in mistakes stay those of the whole file.
func TestProtocolFileWithSeveralProtocols(t *testing.T) {
	file := writeFile(t, "several.hcl", `protocol "first" {
  roles = ["A", "B"]
  send "A" "B" "Ping" {}
}

protocol "second" {
  roles = ["A", "B"]
  send "A" "B" "Ping" {}
  send "B" "B" "Pong" {}
}
`)
	_, stderr, code := cli(t, "protocol", "project", file)
	if code != 1 || !strings.Contains(stderr, "holds the protocols first, second; choose one with --protocol NAME") {
		t.Fatalf("project without --protocol: exit %d\n%s", code, stderr)
	}
	if out := mustCLI(t, "protocol", "project", file, "--protocol", "first"); !strings.Contains(out, "role B of first") {
		t.Fatalf("project --protocol first:\n%s", out)
	}
	stdout, stderr, code := cli(t, "protocol", "check", file)
	if code != 1 || !strings.Contains(stdout, `protocol "first" is well formed`) || !strings.Contains(stderr, file+":9:3") {
		t.Fatalf("check of both: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	out, stderr, code := runProtocolJSON(t, file, "--protocol", "first", "-d", protocolsDeployment(t))
	if code != 0 || out.Protocol != "first" {
		t.Fatalf("run --protocol first: exit %d, %+v\n%s", code, out, stderr)
	}
}

// Flags are checked before any plugin starts, and say what to do.
func TestProtocolRunRejectsBadFlags(t *testing.T) {
	recovery := exampleProtocol("guardian_recovery")
	dep := protocolsDeployment(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{recovery}, "--deployment is required"},
		{[]string{recovery, "-d", dep, "--decide", "Guardian[*]=Aprove"}, "never chooses Aprove; the host decides among Approve, Decline"},
		{[]string{recovery, "-d", dep, "--decide", "Warden[*]=Approve"}, "no role of guardian_recovery is Warden[*]"},
		{[]string{recovery, "-d", dep, "--granularity", "disabled", "--record", "x.jsonl"}, "--record needs a trace"},
		{[]string{recovery, "-d", dep, "--granularity", "some"}, "--granularity"},
		{[]string{recovery, "-d", filepath.Join(t.TempDir(), "none.hcl")}, "none.hcl"},
	} {
		_, stderr, code := cli(t, append([]string{"protocol", "run"}, tc.args...)...)
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("protocol run %v: exit %d, stderr lacks %q:\n%s", tc.args, code, tc.want, stderr)
		}
	}
}

var roleFinished = regexp.MustCompile(`(?m)role finished: role=(\S+) status=done`)

// The log (-v) reports each role's end, for following long runs.
func TestProtocolRunLogsEachRole(t *testing.T) {
	_, stderr, code := cli(t, "protocol", "run", exampleProtocol("ping_pong"), "-d", protocolsDeployment(t), "-v")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	roles := map[string]bool{}
	for _, m := range roleFinished.FindAllStringSubmatch(stderr, -1) {
		roles[m[1]] = true
	}
	if !roles["Client"] || !roles["Server"] {
		t.Fatalf("the log does not report each role finishing:\n%s", stderr)
	}
}
