package sim_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/plugins"
)

// deviceProcessEnv makes the test binary one device's host process (see
// runDeviceProcess) instead of running tests.
const deviceProcessEnv = "AURA_SIM_TEST_DEVICE"

// deviceStartTimeout bounds each plugin's start-up in a device process.
// Up to five device processes start their six plugins each at once: under
// -race on two loaded cores (load 20–40) plugins missed the default 10 s
// (describe or configure unanswered in time) and their device ended
// before it was ready. A plugin that never starts still fails the test.
const deviceStartTimeout = time.Minute

// deviceSpec is what a device process is told: the deployment, its agent,
// where every other agent is, the runs to run in order and the bindings to
// report.
type deviceSpec struct {
	Deployment string
	Agent      string
	Peers      map[string]peerSpec
	Runs       []string
	Report     []string
}

type peerSpec struct {
	Address   string
	PublicKey string // hex
}

// runReport is one run as a device process saw it: its error, and the
// reported bindings of each of its roles, each value's canonical bytes in
// hex.
type runReport struct {
	Run      string
	Err      string
	Bindings map[string]map[string]string
}

// runDeviceProcess is one device's host process: it builds the agent named
// by the spec (its plugins processes, its transport on its address),
// prints "ready", waits for "go" on stdin, runs the runs (its roles only;
// the others' machines are in the other processes), prints a JSON report
// per run, then "done", and shuts down when stdin closes.
func runDeviceProcess(spec string) int {
	var sp deviceSpec
	if err := json.Unmarshal([]byte(spec), &sp); err != nil {
		fmt.Fprintln(os.Stderr, "device process:", err)
		return 2
	}
	fail := func(err error) int { fmt.Fprintf(os.Stderr, "device process %s: %v\n", sp.Agent, err); return 1 }
	dep, diags := config.Load(sp.Deployment, config.Options{Builtins: plugins.Names()})
	if diags.HasErrors() {
		return fail(diags)
	}
	peers := map[string]sim.Peer{}
	for name, p := range sp.Peers {
		pub, err := hex.DecodeString(p.PublicKey)
		if err != nil {
			return fail(err)
		}
		peers[name] = sim.Peer{Address: p.Address, PublicKey: pub}
	}
	ctx := context.Background()
	s, err := sim.New(ctx, sim.Config{Deployment: dep, Mode: effects.Production, Executable: auraHost, Builtins: plugins.Lookup,
		Local: []string{sp.Agent}, Peers: peers, StartTimeout: deviceStartTimeout})
	if err != nil {
		return fail(err)
	}
	defer s.Close(ctx)
	in := bufio.NewScanner(os.Stdin)
	fmt.Println("ready")
	if !in.Scan() || in.Text() != "go" {
		return fail(fmt.Errorf("no go"))
	}
	for _, name := range sp.Runs {
		out, err := s.RunNamed(ctx, name)
		if err != nil {
			return fail(err)
		}
		rep := runReport{Run: name, Bindings: map[string]map[string]string{}}
		for _, r := range out.Runs {
			if r.Err != nil {
				rep.Err = r.Err.Error()
			}
			for role, agentName := range runRoles(dep, name) {
				if agentName != sp.Agent {
					continue
				}
				rep.Bindings[role] = map[string]string{}
				for _, b := range sp.Report {
					if v, ok := r.Binding(role, b); ok {
						rep.Bindings[role][b] = hex.EncodeToString(v.Canonical())
					}
				}
			}
		}
		line, _ := json.Marshal(rep)
		fmt.Println(string(line))
	}
	fmt.Println("done")
	_, _ = io.Copy(io.Discard, os.Stdin) // until the test closes stdin
	return 0
}

func runRoles(dep *config.Deployment, name string) map[string]string {
	for _, r := range dep.Runs {
		if r.Name == name {
			return r.Roles
		}
	}
	return nil
}

// deviceProcess is a running device process, seen from the test.
type deviceProcess struct {
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
}

// startDevices starts one host process per agent of the deployment file,
// each told where the others are, and waits until every one is ready.
func startDevices(t *testing.T, file string, agents []string, runs, report []string) []*deviceProcess {
	t.Helper()
	dep, diags := config.Load(file, config.Options{Builtins: plugins.Names()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	peers := map[string]peerSpec{}
	for _, ag := range dep.Agents {
		id, err := agent.Authority(dep, ag)
		if err != nil {
			t.Fatal(err)
		}
		d := *dep
		d.StateDir = filepath.Join(dep.StateDir, "agents", ag.Name) // where its process keeps its device key
		pub, err := agent.DevicePublicKey(&d, id)
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		peers[ag.Name] = peerSpec{Address: l.Addr().String(), PublicKey: hex.EncodeToString(pub)}
		l.Close()
	}
	var procs []*deviceProcess
	t.Cleanup(func() {
		for _, p := range procs {
			p.stdin.Close()
			done := make(chan error, 1)
			go func() { done <- p.cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				p.cmd.Process.Kill()
				t.Errorf("device process %s did not exit when its stdin closed", p.name)
			}
		}
	})
	for _, name := range agents {
		spec, _ := json.Marshal(deviceSpec{Deployment: file, Agent: name, Peers: peers, Runs: runs, Report: report})
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(withoutPluginReexec(os.Environ()), deviceProcessEnv+"="+string(spec))
		cmd.Stderr = &testWriter{t: t, prefix: name + ": "}
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		p := &deviceProcess{name: name, cmd: cmd, stdin: stdin, lines: make(chan string, 16)}
		go func() {
			sc := bufio.NewScanner(stdout)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				p.lines <- sc.Text()
			}
			close(p.lines)
		}()
		procs = append(procs, p)
	}
	for _, p := range procs {
		if line := p.next(t); line != "ready" {
			t.Fatalf("device process %s: %q, want ready", p.name, line)
		}
	}
	for _, p := range procs {
		fmt.Fprintln(p.stdin, "go")
	}
	return procs
}

// next is the process's next line of output; its end fails the test.
func (p *deviceProcess) next(t *testing.T) string {
	t.Helper()
	select {
	case line, ok := <-p.lines:
		if !ok {
			t.Fatalf("device process %s ended early", p.name)
		}
		return line
	case <-time.After(2 * time.Minute):
		t.Fatalf("device process %s: no output for 2 minutes", p.name)
	}
	return ""
}

type testWriter struct {
	t      *testing.T
	prefix string
}

func (w *testWriter) Write(b []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if strings.Contains(line, "[DEBUG]") || strings.Contains(line, "[TRACE]") {
			continue
		}
		w.t.Log(w.prefix + line)
	}
	return len(b), nil
}

// binding decodes a reported binding.
func binding(t *testing.T, rep runReport, role, name string) effects.Value {
	t.Helper()
	b, err := hex.DecodeString(rep.Bindings[role][name])
	if err != nil {
		t.Fatal(err)
	}
	v, err := effects.DecodeCanonical(b)
	if err != nil {
		t.Fatalf("%s's %s: %v", role, name, err)
	}
	return v
}

// The DKG 2-of-3 and 3-of-5 with one host process per device — each
// process its agent, its plugins as processes, its libp2p transport on its
// own loopback port, authenticated by the device keys — then a signature by
// t of the devices (examples/protocols/frost_sign.hcl), which
// crypto/ed25519 verifies under the group key every device ended with.
func TestDKGWithOneHostProcessPerDevice(t *testing.T) {
	for _, c := range []struct{ t, n int }{{2, 3}, {3, 5}} {
		t.Run(fmt.Sprintf("%d-of-%d", c.t, c.n), func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "deployment.hcl")
			if err := os.WriteFile(file, []byte(processDeployment(t, c.t, c.n)), 0o600); err != nil {
				t.Fatal(err)
			}
			var agents []string
			for i := 1; i <= c.n; i++ {
				agents = append(agents, fmt.Sprintf("device_%d", i))
			}
			procs := startDevices(t, file, agents, []string{"dkg", "sign"}, []string{"key", "signature", "group_public", "message"})
			var group effects.Value
			var sig, msg []byte
			signatures := map[string][]byte{} // every signing role's $signature
			for _, p := range procs {
				for _, run := range []string{"dkg", "sign"} {
					var rep runReport
					if err := json.Unmarshal([]byte(p.next(t)), &rep); err != nil {
						t.Fatal(err)
					}
					if rep.Run != run || rep.Err != "" {
						t.Fatalf("%s: run %s: %s", p.name, rep.Run, rep.Err)
					}
					if run == "dkg" && len(rep.Bindings) != 1 {
						t.Fatalf("%s reported %d DKG roles, want its one", p.name, len(rep.Bindings))
					}
					for role := range rep.Bindings {
						if run == "dkg" {
							g, _ := binding(t, rep, role, "key").Get("group_public")
							if group.IsNull() {
								group = g
							} else if !g.Equal(group) {
								t.Fatalf("%s ended the DKG with group key %v, another device with %v", p.name, g, group)
							}
						} else {
							signatures[role], _ = binding(t, rep, role, "signature").AsBytes()
							if role == "Coordinator" {
								sig, _ = binding(t, rep, role, "signature").AsBytes()
								msg, _ = binding(t, rep, role, "message").AsBytes()
							}
						}
					}
				}
				if line := p.next(t); line != "done" {
					t.Fatalf("%s: %q, want done", p.name, line)
				}
			}
			gb, _ := group.AsBytes()
			if len(gb) != ed25519.PublicKeySize {
				t.Fatalf("no device reported its group key: %v", group)
			}
			if len(sig) == 0 || !ed25519.Verify(gb, msg, sig) {
				t.Fatalf("the coordinator's signature %x of %x does not verify under the group key %x", sig, msg, gb)
			}
			if len(signatures) != c.t {
				t.Fatalf("%d signing roles reported, want %d", len(signatures), c.t)
			}
			for role, s := range signatures {
				if string(s) != string(sig) {
					t.Fatalf("%s holds signature %x, the coordinator %x", role, s, sig)
				}
			}
		})
	}
}

// processDeployment is dkgDeployment in production with a second run,
// "sign": examples/protocols/frost_sign.hcl resized to t signers, the last
// device coordinating.
func processDeployment(t *testing.T, tt, n int) string {
	t.Helper()
	sign := exampleProtocol(t, "frost_sign.hcl", replace(`"Signer[1]"`, fmt.Sprintf(`"Signer[%d]"`, tt-1)))
	roles := []string{"Coordinator = " + deviceName(n)}
	for i := range tt - 1 {
		roles = append(roles, fmt.Sprintf("Signer[%d] = %s", i, deviceName(i+1)))
	}
	return dkgDeployment(t, tt, n, effects.Production) + runBlock("sign", sign, "1h", roles...)
}

// withoutPluginReexec is env without the variable that makes the test
// binary serve a plugin (hosttest.ServeIfPlugin sets it in this process
// for the plugins it starts): a device process is a host, not a plugin.
func withoutPluginReexec(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AURA_HOST_TEST_AS_PLUGIN=") {
			out = append(out, kv)
		}
	}
	return out
}

// A process that runs some of the agents must be told where the others
// are; Local is production's only.
func TestLocalAgentsNeedTheirPeers(t *testing.T) {
	dep := deployment(t, dkgDeployment(t, 2, 3, effects.Production))
	for _, c := range []struct {
		cfg  sim.Config
		want string
	}{
		{sim.Config{Mode: effects.Simulation, Local: []string{"device_1"}}, "in simulation mode every agent runs in one process"},
		{sim.Config{Mode: effects.Production, Local: []string{"device_9"}}, `Local names "device_9", which is not an agent`},
		{sim.Config{Mode: effects.Production, Local: []string{"device_1"}}, "agent device_1 runs here: Peers must give the address its transport listens on"},
		{sim.Config{Mode: effects.Production, Local: []string{"device_1"}, Peers: map[string]sim.Peer{"device_1": {Address: "127.0.0.1:1"}}},
			"agent device_2 runs in another process: Peers must give its transport address and its 32-byte device public key"},
		{sim.Config{Mode: effects.Production, Local: []string{"device_1"}, Peers: map[string]sim.Peer{"device_7": {Address: "127.0.0.1:1"}}},
			`Peers names "device_7", which is not an agent`},
	} {
		c.cfg.Deployment, c.cfg.Builtins, c.cfg.Logger = dep, plugins.Lookup, quietLogger(t)
		if _, err := sim.New(context.Background(), c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.cfg.Local, err, c.want)
		}
	}
}
