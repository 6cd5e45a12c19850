package sim_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

// The deployments of the threshold tests are built from these pieces: the
// devices (agents device_1 …), the plugins of a mode, and run blocks over
// the example protocols, edited (resized, tampered) where a test needs.

// devicesDeployment is a deployment named name in mode with the built-in
// plugins of that mode and agents device_1 … device_n, each allowed to
// send within a flow budget, and in simulation a 10 % drop fault; extra is
// appended (more faults, run blocks).
func devicesDeployment(name string, mode effects.Mode, n int, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "deployment %q {\n  mode = %q\n}\n", name, mode)
	builtins := map[effects.Mode][]string{
		effects.Simulation: {"crypto", "journal", "sim-clock", "sim-random", "sim-storage", "sim-network"},
		effects.Production: {"crypto", "journal", "clock", "random", "storage", "transport"},
	}[mode]
	for i, p := range []string{"crypto", "journal", "clock", "random", "storage", "network"} {
		fmt.Fprintf(&b, "plugin %q { builtin = %q }\n", p, builtins[i])
	}
	for i := 1; i <= n; i++ {
		b.WriteString(agentBlock(deviceName(i)))
	}
	if mode == effects.Simulation {
		b.WriteString("fault \"drop\" {\n  at = \"0s\"\n  rate = 0.1\n}\n")
	}
	for _, e := range extra {
		b.WriteString(e)
	}
	return b.String()
}

func agentBlock(name string) string {
	return fmt.Sprintf("agent %q {\n  allow = [\"network.send_envelope\"]\n  flow_budget { limit = 1000 }\n}\n", name)
}

func deviceName(i int) string { return fmt.Sprintf("device_%d", i) }

// runBlock is a run of the protocol at path, roles binding each role (in
// the given order, "Role = agent") to a device, ending by timeout.
func runBlock(name, path, timeout string, roles ...string) string {
	var bound []string
	for _, r := range roles {
		role, agent, _ := strings.Cut(r, "=")
		bound = append(bound, fmt.Sprintf("%q = %q", strings.TrimSpace(role), strings.TrimSpace(agent)))
	}
	return fmt.Sprintf("run %q {\n  protocol = %q\n  roles = { %s }\n  timeout = %q\n}\n", name, path, strings.Join(bound, ", "), timeout)
}

// exampleProtocol is examples/protocols/file after edits (each a
// function of the text; replace makes the usual one), written to a
// temporary file; without edits, the example itself.
func exampleProtocol(t testing.TB, file string, edits ...func(string) string) string {
	t.Helper()
	path := filepath.Join(protocolsDir(), file)
	if len(edits) == 0 {
		return path
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	for _, edit := range edits {
		text = edit(text)
	}
	path = filepath.Join(t.TempDir(), file)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// replace is an edit of exampleProtocol: old replaced by new, once.
func replace(old, new string) func(string) string {
	return func(s string) string { return strings.Replace(s, old, new, 1) }
}

// dkgRoles binds frost_dkg.hcl's (and frost_reshare.hcl's) roles to the
// devices: the Leader is device_1, Member[k] device_k+2.
func dkgRoles(n int) []string {
	roles := []string{"Leader = " + deviceName(1)}
	for i := 2; i <= n; i++ {
		roles = append(roles, fmt.Sprintf("Member[%d] = %s", i-2, deviceName(i)))
	}
	return roles
}

// roleOf is the DKG role device i plays (dkgRoles).
func roleOf(i int) string {
	if i == 1 {
		return "Leader"
	}
	return fmt.Sprintf("Member[%d]", i-2)
}

// resizedDKG is frost_dkg.hcl for a t-of-n ceremony, after any edits.
func resizedDKG(t testing.TB, tt, n int, edits ...func(string) string) string {
	t.Helper()
	return exampleProtocol(t, "frost_dkg.hcl", append([]func(string) string{
		replace(`"Member[2]"`, fmt.Sprintf(`"Member[%d]"`, n-1)),
		replace("{ n = 3, t = 2,", fmt.Sprintf("{ n = %d, t = %d,", n, tt)),
	}, edits...)...)
}
