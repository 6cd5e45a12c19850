package main_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// --mode testing makes the plugins' randomness come from the seed: the
// same call gives the same key, where production mode draws a new one.
func TestInvokeInTestingModeIsSeeded(t *testing.T) {
	file := quickstart(t)
	gen := func(args ...string) string {
		return fields(mustCLI(t, append([]string{"invoke", file, "crypto.ed25519_generate_keypair"}, args...)...))["public"]
	}
	a, b := gen("--mode", "testing"), gen("--mode", "testing")
	if a == "" || a != b {
		t.Fatalf("testing mode: two calls gave %q and %q", a, b)
	}
	if c := gen(); c == a {
		t.Fatalf("production mode gave the seeded key %s", c)
	}
	if _, stderr, code := cli(t, "invoke", file, "crypto.hash", "data=00", "--mode", "simulaton"); code != 1 || !strings.Contains(stderr, `mode "simulaton" is not production, testing or simulation`) {
		t.Fatalf("misspelt mode: exit %d\n%s", code, stderr)
	}
}

// A multi-agent deployment in simulation mode is the simulator's: run
// says so, and points to simulate — whether the file or --mode chose the
// mode. In production mode the same file is served.
func TestRunRefusesAMultiAgentSimulation(t *testing.T) {
	dep := simulationDeployment(t)
	_, stderr, code := cli(t, "run", dep)
	if code != 1 || !strings.Contains(stderr, fmt.Sprintf("%s:%d:10", dep, lineOf(t, dep, `mode = "simulation"`))) || !strings.Contains(stderr, "aura-host simulate "+dep) {
		t.Fatalf("run of a simulation-mode file: exit %d\n%s", code, stderr)
	}
	_, stderr, code = cli(t, "run", quickstartWithAgents(t), "--mode", "simulation")
	if code != 1 || !strings.Contains(stderr, "--mode simulation: ") || !strings.Contains(stderr, "aura-host simulate ") {
		t.Fatalf("run --mode simulation: exit %d\n%s", code, stderr)
	}
	out := mustCLI(t, "validate", dep, "--mode", "production")
	if !strings.Contains(out, "is valid: 6 plugins") {
		t.Fatalf("validate --mode production: %s", out)
	}
}

// quickstartWithAgents is the quickstart deployment with two agents.
func quickstartWithAgents(t *testing.T) string {
	t.Helper()
	file := quickstart(t)
	src := mustRead(t, file) + `
agent "alice" {
  allow = ["*"]
}

agent "bob" {
  allow = ["*"]
}
`
	return writeFile(t, "deployment.hcl", src)
}

func TestProtocolRunTakesAMode(t *testing.T) {
	out := mustCLI(t, "protocol", "run", exampleProtocol("ping_pong"), "-d", protocolsDeployment(t), "--mode", "production", "--log-level", "warn")
	if !strings.Contains(out, `on deployment "protocols" (production)`) || !strings.Contains(out, "outcome: done") {
		t.Fatalf("protocol run --mode production:\n%s", out)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lineOf is the 1-based line of file that holds text.
func lineOf(t *testing.T, file, text string) int {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(src), "\n") {
		if strings.Contains(line, text) {
			return i + 1
		}
	}
	t.Fatalf("%s holds no %q", file, text)
	return 0
}
