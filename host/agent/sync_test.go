package agent_test

import (
	"bufio"
	"cmp"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/internal/netns"
	"github.com/aurahost/aura-host/plugins"
)

// syncFactsPerDevice is how many signed facts each device writes while
// partitioned (issue 13's acceptance: 10k).
const syncFactsPerDevice = 10_000

// syncDeployment gives each plugin a health probe timeout of 5 s instead
// of the default 250 ms: the test runs nine plugin processes on whatever
// cores the machine has, and a journal busy merging on a loaded machine
// (load 30–40 on two cores) missed three 250 ms probes in a row and was
// killed up to five times a minute — past which its supervisor gives up
// on it — though it was working. A hung plugin is still replaced.

const syncDeployment = `
deployment "sync" {
  mode = "production"
}

plugin "journal" {
  builtin = "journal"
  health { timeout = "5s" }
}
plugin "network" {
  builtin = "transport"
  health { timeout = "5s" }
}
plugin "clock" {
  builtin = "clock"
  health { timeout = "5s" }
}

agent "d1" {
  allow = ["network.send_envelope"]
  flow_budget { limit = 100000000 }
}
agent "d2" {
  allow = ["network.send_envelope"]
  flow_budget { limit = 100000000 }
}
agent "d3" {
  allow = ["network.send_envelope"]
  flow_budget { limit = 100000000 }
}
`

// TestSyncThreePartitionedDevicesConverge is issue 13's acceptance: three
// devices, each a host process of its own (a production agent with its
// plugins as processes and the libp2p transport) in a network namespace
// of its own on one switch, write 10k signed facts each while their cables
// are down; once the cables are back they reach the same sync root and the
// same signed facts, having shipped at most 1.2 × the bytes of the facts
// each lacked. The time from healing to convergence is logged (the target
// is 10 s); the test waits for as long as facts keep being merged.
func TestSyncThreePartitionedDevicesConverge(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three host processes with their plugins and writes 30k facts")
	}
	lab := netns.New(t)
	names := []string{"d1", "d2", "d3"}
	var hosts []*netns.Host
	for _, n := range names {
		hosts = append(hosts, lab.Host(n))
	}
	sw := lab.Switch(hosts...)

	dir := t.TempDir()
	file := filepath.Join(dir, "deployment.hcl")
	if err := os.WriteFile(file, []byte(syncDeployment), 0o600); err != nil {
		t.Fatal(err)
	}
	dep, diags := config.Load(file, config.Options{Builtins: plugins.Names()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	peers := make([]syncPeerSpec, len(names))
	stateDirs := make([]string, len(names))
	for i, ag := range dep.Agents {
		id, err := agent.Authority(dep, ag)
		if err != nil {
			t.Fatal(err)
		}
		stateDirs[i] = filepath.Join(dir, ag.Name)
		d := *dep
		d.StateDir = stateDirs[i]
		pub, err := agent.DevicePublicKey(&d, id)
		if err != nil {
			t.Fatal(err)
		}
		peers[i] = syncPeerSpec{Authority: hex.EncodeToString(id[:]), Address: sw.Addr[hosts[i]] + ":4100", PublicKey: hex.EncodeToString(pub)}
	}
	// AURA_SYNC_TEST_CONCURRENT sets SyncConfig.ConcurrentRounds (default
	// syncer.DefaultConcurrentRounds).
	concurrent, _ := strconv.Atoi(os.Getenv("AURA_SYNC_TEST_CONCURRENT"))
	devices := make([]*syncDevice, len(names))
	for i, name := range names {
		var others []syncPeerSpec
		for j := range names {
			if j != i {
				others = append(others, peers[j])
			}
		}
		spec, _ := json.Marshal(syncDeviceSpec{Deployment: file, Agent: name, StateDir: stateDirs[i],
			Listen: peers[i].Address, Peers: others, Facts: syncFactsPerDevice, LogLevel: cmp.Or(os.Getenv("AURA_SYNC_TEST_LOG"), "warn"),
			Concurrent: concurrent})
		devices[i] = startSyncDevice(t, hosts[i], name, string(spec))
	}
	for _, d := range devices {
		if line := d.next(t); line != "ready" {
			t.Fatalf("device %s: %q, want ready", d.name, line)
		}
	}

	// Partition: every cable down, then each device writes its facts.
	for _, h := range hosts {
		if err := sw.Port[h].Down(); err != nil {
			t.Fatal(err)
		}
	}
	var written int64
	for _, d := range devices {
		d.send("write")
	}
	for _, d := range devices {
		line := d.next(t)
		n, err := strconv.ParseInt(strings.TrimPrefix(line, "written "), 10, 64)
		if err != nil {
			t.Fatalf("device %s: %q", d.name, line)
		}
		written += n
	}
	before := states(t, devices)
	cpuBefore := cpuTimes(t, devices)

	// Heal, and wait for every device to hold every fact.
	healed := time.Now()
	t.Logf("healing at %s (load average %s)", healed.Format("15:04:05.000"), loadAverage())
	for _, h := range hosts {
		if err := sw.Port[h].Up(); err != nil {
			t.Fatal(err)
		}
	}
	want := int64(len(devices) * syncFactsPerDevice)
	var after []syncDeviceState
	// The wait is for convergence, as long as the devices keep merging
	// facts: on a loaded machine it takes minutes (116 s measured at load
	// 30 with two cores), and the time is logged, not asserted. The test
	// fails when no device gained a fact for stall — sync has stopped.
	stall := 2 * time.Minute
	if raceDetector {
		stall = 8 * time.Minute // 101 s to converge measured under -race at load 14
	}
	var held int64 // facts held on all devices together, at the last progress
	progressed := healed
	for {
		after = states(t, devices)
		if after[0].Count == want && after[1].Root == after[0].Root && after[2].Root == after[0].Root {
			break
		}
		var total int64
		for _, st := range after {
			total += st.Count
		}
		if total > held {
			held, progressed = total, time.Now()
		} else if time.Since(progressed) > stall {
			t.Fatalf("no convergence, and no fact merged for %s (%s after healing): %+v", stall, time.Since(healed).Round(time.Second), after)
		}
		time.Sleep(20 * time.Millisecond) // a poll of three processes' state, not a wait for a state
	}
	took := time.Since(healed)
	cpuAfter := cpuTimes(t, devices)

	var digests []string
	for _, d := range devices {
		d.send("digest")
		digests = append(digests, d.next(t))
	}
	if digests[1] != digests[0] || digests[2] != digests[0] || !strings.HasSuffix(digests[0], " "+strconv.FormatInt(want, 10)) {
		t.Fatalf("the devices' signed facts differ: %q", digests)
	}

	// Every device lacked the other two's facts: 2 × what all wrote.
	missing := 2 * written
	var payload, envelopes, factBytes, refused int64
	for i := range devices {
		payload += after[i].Stats.PayloadBytesReceived - before[i].Stats.PayloadBytesReceived
		envelopes += after[i].Stats.EnvelopeBytesReceived - before[i].Stats.EnvelopeBytesReceived
		factBytes += after[i].Stats.FactBytesReceived - before[i].Stats.FactBytesReceived
		refused += after[i].Stats.Refused
	}
	t.Logf("converged %.2f s after healing: %d facts on each device, root %s (load average %s)", took.Seconds(), want, after[0].Root, loadAverage())
	t.Logf("missing facts' bytes %d; received: fact bytes %d (%.3f×), payload bytes %d (%.3f×), whole envelopes %d (%.3f×)",
		missing, factBytes, float64(factBytes)/float64(missing), payload, float64(payload)/float64(missing),
		envelopes, float64(envelopes)/float64(missing))
	var cpu int64
	by := map[string]int64{}
	for i, d := range devices {
		t.Logf("device %s: %+v", d.name, after[i].Stats)
		for name, ticks := range cpuAfter[i] {
			cpu += ticks - cpuBefore[i][name]
			by[name] += ticks - cpuBefore[i][name]
		}
	}
	// Linux's USER_HZ is 100 ticks a second.
	t.Logf("CPU time of the three devices' processes from healing to convergence: %.2f s (in ticks by process: %v)", float64(cpu)/100, by)
	if refused != 0 {
		t.Errorf("%d facts refused between honest devices", refused)
	}
	if ratio := float64(payload) / float64(missing); ratio > 1.2 {
		t.Errorf("the devices received %.3f × the missing facts' bytes, want at most 1.2", ratio)
	}
	if took > 10*time.Second {
		t.Logf("NOTE: convergence took %.2f s, over the 10 s target", took.Seconds())
	}
}

// states asks every device for its state.
func states(t *testing.T, devices []*syncDevice) []syncDeviceState {
	t.Helper()
	out := make([]syncDeviceState, len(devices))
	for _, d := range devices {
		d.send("state")
	}
	for i, d := range devices {
		line := d.next(t)
		if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "state ")), &out[i]); err != nil {
			t.Fatalf("device %s: %q: %v", d.name, line, err)
		}
	}
	return out
}

// cpuTimes asks every device for the CPU time of its processes: a figure
// the machine's other load does not stretch, as it does the wall time.
func cpuTimes(t *testing.T, devices []*syncDevice) []map[string]int64 {
	t.Helper()
	out := make([]map[string]int64, len(devices))
	for _, d := range devices {
		d.send("cpu")
	}
	for i, d := range devices {
		line := d.next(t)
		if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "cpu ")), &out[i]); err != nil {
			t.Fatalf("device %s: %q: %v", d.name, line, err)
		}
	}
	return out
}

// syncDevice is a running device process, seen from the test.
type syncDevice struct {
	name  string
	stdin io.WriteCloser
	lines chan string
}

func startSyncDevice(t *testing.T, h *netns.Host, name, spec string) *syncDevice {
	t.Helper()
	cmd := h.Command(os.Args[0], "-test.run=^$")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AURA_HOST_TEST_AS_PLUGIN=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, syncDeviceEnv+"="+spec)
	cmd.Stderr = &prefixWriter{t: t, prefix: name + ": "}
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
	d := &syncDevice{name: name, stdin: stdin, lines: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			d.lines <- sc.Text()
		}
		close(d.lines)
	}()
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Errorf("device %s did not exit when its stdin closed", name)
			// Killed, and reaped here: the lab's cleanup, which runs
			// next, reads the command's state that Wait writes.
			_ = cmd.Process.Kill()
			<-done
		}
	})
	return d
}

func (d *syncDevice) send(cmd string) { fmt.Fprintln(d.stdin, cmd) }

// next is the device's next answer. A device writing its facts says
// "progress N" after each batch: those lines are skipped, and the test
// fails only after 2 minutes without any line (under -race on a loaded
// machine the 10k facts took more than 2 minutes in all).
func (d *syncDevice) next(t *testing.T) string {
	t.Helper()
	for {
		select {
		case line, ok := <-d.lines:
			if !ok {
				t.Fatalf("device %s ended early", d.name)
			}
			if strings.HasPrefix(line, "progress ") {
				continue
			}
			return line
		case <-time.After(2 * time.Minute):
			t.Fatalf("device %s: no answer for 2 minutes", d.name)
		}
	}
}

type prefixWriter struct {
	t      *testing.T
	prefix string
}

func (w *prefixWriter) Write(b []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		w.t.Log(w.prefix + line)
	}
	return len(b), nil
}

// loadAverage is the machine's load (Linux), for reading the timing: the
// devices' plugins share the machine's cores with whatever else runs.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
