package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// agentsDeployment has two agents: "locked" may do nothing guarded, "open"
// may use sessions. Each runs its own plugins in production mode.
const agentsDeployment = `
deployment "guarded" {
  mode      = "production"
  state_dir = ".aura/guarded"
}
agent "locked" {
  allow = []
}
agent "open" {
  allow = ["session.*"]
}
plugin "journal" { builtin = "journal" }
plugin "clock"   { builtin = "clock" }
plugin "random"  { builtin = "random" }
plugin "session" {
  builtin    = "session"
  depends_on = ["journal", "clock", "random"]
}
`

func writeDeployment(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "deployment.hcl")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var sessionCreate = []string{"session.create", "kind=coordination", `participants={"list":["a"]}`, "my_role=a", "ttl_ms=60000"}

func invokeArgs(file string, as string, op ...string) []string {
	args := append([]string{"invoke", file}, op...)
	if as != "" {
		args = append(args, "--as", as)
	}
	return args
}

// journalIsEmpty reports whether the agent's journal holds no fact.
func journalIsEmpty(t *testing.T, file, as string) bool {
	t.Helper()
	out := strings.TrimSpace(mustCLI(t, invokeArgs(file, as, "journal.get_journal", "--json")...))
	return out == `{"list":[]}`
}

// Attack 1: a deployment whose only agent is allowed nothing refuses
// `invoke … session.create` (denied, exit 1), and its journal holds no
// fact. Before the fix invoke ran a plain host and created the session.
func TestInvokeIsGuarded(t *testing.T) {
	file := writeDeployment(t, strings.Replace(agentsDeployment, "agent \"open\" {\n  allow = [\"session.*\"]\n}\n", "", 1))
	_, stderr, code := cli(t, invokeArgs(file, "", sessionCreate...)...)
	if code != 1 || !strings.Contains(stderr, "denied") || !strings.Contains(stderr, "capability") {
		t.Fatalf("invoke session.create as an agent allowed nothing: exit %d, stderr:\n%s", code, stderr)
	}
	if !journalIsEmpty(t, file, "") {
		t.Fatal("the refused invoke left a fact in the journal")
	}
}

// Attack 1 through a running host: `aura-host run` runs the agents, and
// `invoke --as` acts as one of them through the admin endpoint and that
// agent's guard chain. With two agents --as is required.
func TestInvokeThroughRunActsAsTheAgent(t *testing.T) {
	file := writeDeployment(t, agentsDeployment)
	rh := startRun(t, file)
	if len(rh.pids) != 8 || rh.pids["locked/session"] == 0 || rh.pids["open/session"] == 0 {
		t.Fatalf("want each agent's 4 plugins ready, got %v", rh.pids)
	}
	_, stderr, code := cli(t, invokeArgs(file, "locked", sessionCreate...)...)
	if code != 1 || !strings.Contains(stderr, "denied") || !strings.Contains(stderr, "running host") {
		t.Fatalf("invoke --as locked session.create: exit %d, stderr:\n%s", code, stderr)
	}
	if !journalIsEmpty(t, file, "locked") {
		t.Fatal("the refused invoke left a fact in locked's journal")
	}
	if out := mustCLI(t, invokeArgs(file, "open", sessionCreate...)...); !strings.Contains(out, "id:") {
		t.Fatalf("invoke --as open session.create printed:\n%s", out)
	}
	if journalIsEmpty(t, file, "open") {
		t.Fatal("open's allowed session.create left no fact")
	}
	_, stderr, code = cli(t, invokeArgs(file, "", sessionCreate...)...)
	if code != 1 || !strings.Contains(stderr, "--as") {
		t.Fatalf("invoke without --as in a deployment of two agents: exit %d, stderr:\n%s", code, stderr)
	}
}

// A deployment without agent blocks is a plain plugin host, and run says
// so in one line.
func TestRunSaysAPlainHostIsNotGuarded(t *testing.T) {
	rh := startRun(t, quickstart(t))
	if !strings.Contains(strings.Join(rh.lines, "\n"), "no agents: calls are not guarded") {
		t.Fatalf("run of a deployment without agents printed:\n%s", strings.Join(rh.lines, "\n"))
	}
}

// openSession is a protocol whose first step is a guarded operation.
const openSession = `
protocol "open_session" {
  roles = ["A", "B"]

  invoke "A" "session.create" {
    args   = { kind = "coordination", participants = ["a"], my_role = "a", ttl_ms = 60000 }
    result = "session"
  }
  send "A" "B" "Opened" {
    value = "$session"
    sort  = "map"
    bind  = "opened"
  }
}
`

// Attack 1 through `protocol run`: the session's invokes act as the
// deployment's agent (--as, default the only one), through its guard
// chain. An agent allowed nothing faults at session.create (denied) and
// its journal holds no fact; the agent allowed session.* completes.
func TestProtocolRunIsGuarded(t *testing.T) {
	file := writeDeployment(t, agentsDeployment)
	proto := filepath.Join(t.TempDir(), "open_session.hcl")
	if err := os.WriteFile(proto, []byte(openSession), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := cli(t, "protocol", "run", proto, "--deployment", file, "--as", "locked")
	if code != 1 || !strings.Contains(out+stderr, "denied") {
		t.Fatalf("protocol run as locked: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	if !journalIsEmpty(t, file, "locked") {
		t.Fatal("the refused session.create left a fact in locked's journal")
	}
	mustCLI(t, "protocol", "run", proto, "--deployment", file, "--as", "open")
	if journalIsEmpty(t, file, "open") {
		t.Fatal("open's session left no fact")
	}
}
