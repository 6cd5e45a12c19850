package main_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/internal/netns"
	"github.com/aurahost/aura-host/plugins/journal"
	"github.com/aurahost/aura-host/sdk"
)

// machines are the five machines of examples/multihost, in the order the
// switch numbers their addresses (10.77.1.1 to .5, as the files say).
var machines = []string{"device_1", "device_2", "device_3", "guardian_1", "guardian_2"}

// multihost is examples/multihost on five network namespaces: each machine
// has its own copy of the example (so its own state directory) with the
// real device keys of the others in its peer blocks.
type multihost struct {
	lab   *netns.Lab
	sw    *netns.Switch
	hosts map[string]*netns.Host
	dirs  map[string]string
	procs map[string]*machineProc
}

func newMultihost(t *testing.T) *multihost {
	t.Helper()
	m := &multihost{lab: netns.New(t), hosts: map[string]*netns.Host{}, dirs: map[string]string{}, procs: map[string]*machineProc{}}
	var hs []*netns.Host
	for _, name := range machines {
		m.hosts[name] = m.lab.Host(strings.ReplaceAll(name, "_", ""))
		hs = append(hs, m.hosts[name])
	}
	m.sw = m.lab.Switch(hs...)
	src := filepath.Join("..", "..", "examples", "multihost")
	keys := map[string]string{}
	root := t.TempDir()
	for _, name := range machines {
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Join(dir, "multihost"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(mustAbs(t, filepath.Join(src, "..", "protocols")), filepath.Join(dir, "protocols")); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{name + ".hcl", "recovery.hcl", "reshare.hcl"} {
			copyFile(t, filepath.Join(src, f), filepath.Join(dir, "multihost", f))
		}
		m.dirs[name] = filepath.Join(dir, "multihost")
		out, err := exec.Command(auraHost, "key", m.file(name)).Output()
		if err != nil {
			t.Fatalf("aura-host key %s: %v", name, err)
		}
		agent, key, _ := strings.Cut(strings.TrimSpace(string(out)), "\t")
		if agent != name || len(key) != 2*ed25519.PublicKeySize {
			t.Fatalf("aura-host key %s printed %q", name, out)
		}
		keys[name] = key
	}
	// Each file's peer blocks get the others' real keys.
	for _, name := range machines {
		b, err := os.ReadFile(m.file(name))
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		for peer, key := range keys {
			re := regexp.MustCompile(`(peer "` + peer + `" \{[^}]*public_key = )"[0-9a-f]+"`)
			text = re.ReplaceAllString(text, `$1"`+key+`"`)
		}
		if err := os.WriteFile(m.file(name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// logs is every machine's log, for a failure's message.
func (m *multihost) logs() string {
	var b strings.Builder
	for _, name := range machines {
		if p := m.procs[name]; p != nil {
			fmt.Fprintf(&b, "--- %s's log:\n%s\n", name, tail(p.log))
		}
	}
	return b.String()
}

func (m *multihost) file(name string) string { return filepath.Join(m.dirs[name], name+".hcl") }

func (m *multihost) stateDir(name string) string {
	return filepath.Join(m.dirs[name], ".aura", "multihost")
}

// start runs `aura-host run` for a machine in its namespace.
func (m *multihost) start(t *testing.T, name string) *machineProc {
	t.Helper()
	return m.startFile(t, name, m.file(name))
}

// startFile runs `aura-host run FILE` for a machine in its namespace.
func (m *multihost) startFile(t *testing.T, name, file string) *machineProc {
	t.Helper()
	args := []string{"run", file, "--log-level", "info"}
	if strings.HasPrefix(name, "guardian") {
		args = append(args, "--decide", "Guardian[*]=Approve")
	}
	c := m.hosts[name].Command(auraHost, args...)
	stdout, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	c.Stderr = logf
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	p := &machineProc{name: name, cmd: c, lines: make(chan string, 64), log: logf.Name()}
	go p.read(stdout)
	m.procs[name] = p
	return p
}

// machineProc is one machine's aura-host run.
type machineProc struct {
	name  string
	cmd   *exec.Cmd
	lines chan string
	log   string
	once  sync.Once
}

func (p *machineProc) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		p.lines <- sc.Text()
	}
	close(p.lines)
}

// waitFor returns the first line starting with prefix, failing the test if
// the process ends first or nothing comes by the deadline.
func (p *machineProc) waitFor(t *testing.T, prefix string, within time.Duration) string {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("%s ended before printing %q; its log:\n%s", p.name, prefix, tail(p.log))
			}
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-deadline:
			t.Fatalf("%s printed no %q within %v; its log:\n%s", p.name, prefix, within, tail(p.log))
		}
	}
}

// stop interrupts the process and waits for it to end.
func (p *machineProc) stop(t *testing.T) {
	t.Helper()
	p.once.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- p.cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			t.Errorf("%s did not stop within 20 s of SIGTERM", p.name)
			<-done
		}
	})
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Guardian recovery across five machines, each an `aura-host run` of its
// own file in its own network namespace: the three devices make the
// authority's 2-of-3 key, both guardians approve device_3's recovery, and
// the devices refresh their shares (a reshare to the next epoch: the
// group key stays, the old shares are erased), and the recovered device
// signs with device_1 under the threshold key —
// a signature crypto/ed25519 accepts under the group key every device
// recorded.
func TestGuardianRecoveryAcrossFiveMachines(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five hosts in five network namespaces")
	}
	m := newMultihost(t)
	for _, name := range machines {
		m.start(t, name)
	}
	defer m.stopAll(t)
	want := map[string][]string{
		"device_1": {"dkg", "reshare", "sign"}, "device_2": {"dkg", "reshare"}, "device_3": {"dkg", "recovery", "reshare", "sign"},
		"guardian_1": {"recovery"}, "guardian_2": {"recovery"},
	}
	for _, name := range machines {
		for _, run := range want[name] {
			line := m.procs[name].waitFor(t, "run "+run+":", 3*time.Minute)
			if !strings.HasPrefix(line, "run "+run+": completed") {
				t.Fatalf("%s: %s\n%s", name, line, m.logs())
			}
		}
	}
	rec := func(machine, run string) *sim.RunRecord {
		r, err := sim.ReadRunRecord(m.stateDir(machine), run)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	granted, err := rec("device_3", "recovery").Binding("Account", "granted_at")
	if err != nil || granted.IsNull() {
		t.Fatalf("the guardians did not grant device_3's recovery: %v, %v", granted, err)
	}
	var group []byte
	for _, name := range []string{"device_1", "device_2", "device_3"} {
		roles := rec(name, "dkg").Roles
		for role := range roles {
			key, err := rec(name, "dkg").Binding(role, "key")
			if err != nil {
				t.Fatal(err)
			}
			g, _ := key.Get("group_public")
			gb, _ := g.AsBytes()
			if group == nil {
				group = gb
			} else if string(gb) != string(group) {
				t.Fatalf("%s ended the DKG with group key %x, another device with %x", name, gb, group)
			}
		}
	}
	for _, name := range []string{"device_1", "device_2", "device_3"} {
		for role := range rec(name, "reshare").Roles {
			key, err := rec(name, "reshare").Binding(role, "key")
			if err != nil {
				t.Fatal(err)
			}
			g, _ := key.Get("group_public")
			epoch, _ := key.Get("epoch")
			if gb, _ := g.AsBytes(); string(gb) != string(group) {
				t.Fatalf("%s's refreshed key has group key %x, not the authority's %x", name, gb, group)
			}
			if e, _ := epoch.AsInt(); e != 2 {
				t.Fatalf("%s's refreshed key is at epoch %v, want 2", name, epoch)
			}
		}
	}
	sig, err := rec("device_3", "sign").Binding("Coordinator", "signature")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := rec("device_3", "sign").Binding("Coordinator", "message")
	if err != nil {
		t.Fatal(err)
	}
	sb, _ := sig.AsBytes()
	mb, _ := msg.AsBytes()
	if len(group) != ed25519.PublicKeySize || !ed25519.Verify(group, mb, sb) {
		t.Fatalf("the recovered device set's signature %x of %x does not verify under the group key %x", sb, mb, group)
	}
	t.Logf("device_3 and device_1 signed under the group key %x", group)
}

// journalFacts is the set of facts (their canonical encodings) in the
// journal database at path, read with the journal plugin in process from a
// copy: the host that wrote it must have ended (bbolt commits are whole
// and synced, so the file is a consistent state).
func journalFacts(t *testing.T, path string) map[string]bool {
	t.Helper()
	// A copy: the plugin's database lock must not stop the host that
	// owns the file from starting again.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "journal.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	l, err := sdk.NewLocal(journal.New(), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := effects.Map(map[string]effects.Value{"path": effects.String(path)})
	if d := l.Configure(ctx, sdk.ConfigureRequest{Config: cfg, Mode: effects.Production, StateDir: filepath.Dir(path)}, nil); len(d) > 0 && d[0].Error {
		t.Fatalf("open %s: %s: %s", path, d[0].Summary, d[0].Detail)
	}
	defer l.Stop(ctx)
	v, err := l.Invoke(ctx, &effects.Call{Op: effects.JournalGetJournal, Args: effects.Map(nil)})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, f := range v.Items() {
		out[string(f.Canonical())] = true
	}
	return out
}

// findJournal is the journal database of a machine's agent.
func (m *multihost) findJournal(t *testing.T, name string) string {
	t.Helper()
	var found []string
	root := filepath.Join(m.stateDir(name), "agents", name)
	_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "journal.db" {
			found = append(found, path)
		}
		return nil
	})
	if len(found) != 1 {
		t.Fatalf("%s's journal under %s: found %v", name, root, found)
	}
	return found[0]
}

// Faults of real networks across the five machines: guardian_2's cable is
// cut while it enrols for the recovery and put back 2 s later — its sends
// retry until they get through, and the recovery grants; then guardian_1's
// host is killed with SIGKILL mid-recovery and started again — the
// recovery ends, on every machine, with an outcome recorded within its
// timeout (never a hang), and every fact guardian_1 had acknowledged
// before the kill is still in its journal.
func TestPartitionAndCrashAcrossFiveMachines(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five hosts in five network namespaces")
	}
	t.Run("partition", func(t *testing.T) {
		m := newMultihost(t)
		port := m.sw.Port[m.hosts["guardian_2"]]
		if err := port.Down(); err != nil {
			t.Fatal(err)
		}
		for _, name := range machines {
			m.start(t, name)
		}
		defer m.stopAll(t)
		// The DKG does not need guardian_2; the recovery waits for it.
		m.procs["device_1"].waitFor(t, "run dkg: completed", 3*time.Minute)
		time.Sleep(2 * time.Second) // the partition's length: what the test is about
		if err := port.Up(); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"device_3", "guardian_1", "guardian_2"} {
			if line := m.procs[name].waitFor(t, "run recovery:", 3*time.Minute); !strings.HasPrefix(line, "run recovery: completed") {
				t.Fatalf("%s after the partition healed: %s\n%s", name, line, m.logs())
			}
		}
		if line := m.procs["device_3"].waitFor(t, "run sign:", 3*time.Minute); !strings.HasPrefix(line, "run sign: completed") {
			t.Fatalf("device_3: %s\n%s", line, m.logs())
		}
	})
	t.Run("crash", func(t *testing.T) {
		m := newMultihost(t)
		for _, name := range machines {
			m.shortenTimeouts(t, name, "20s")
		}
		// guardian_1 enrols as it starts, then waits for device_3's request,
		// which comes after the DKG: kill it there.
		for _, name := range machines {
			m.start(t, name)
		}
		defer m.stopAll(t)
		g1 := m.procs["guardian_1"]
		m.procs["device_1"].waitFor(t, "run dkg: completed", 3*time.Minute)
		if err := syscall.Kill(-g1.cmd.Process.Pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = g1.cmd.Wait()
		before := journalFacts(t, m.findJournal(t, "guardian_1"))
		restarted := m.start(t, "guardian_1")
		started := time.Now()
		for _, p := range []*machineProc{m.procs["device_3"], restarted, m.procs["guardian_2"]} {
			line := p.waitFor(t, "run recovery:", 2*time.Minute)
			t.Logf("%s: %s", p.name, line)
		}
		if took := time.Since(started); took > time.Minute {
			t.Errorf("the recovery's outcomes took %v after the restart; the run's timeout is 20 s", took)
		}
		for _, name := range []string{"device_3", "guardian_1", "guardian_2"} {
			if _, err := sim.ReadRunRecord(m.stateDir(name), "recovery"); err != nil {
				t.Errorf("%s recorded no outcome of the recovery: %v", name, err)
			}
		}
		restarted.stop(t)
		after := journalFacts(t, m.findJournal(t, "guardian_1"))
		lost := 0
		for f := range before {
			if !after[f] {
				lost++
			}
		}
		if lost > 0 || len(before) == 0 {
			t.Fatalf("guardian_1 held %d facts at the kill, %d of them are gone after the restart", len(before), lost)
		}
		t.Logf("guardian_1's %d facts acknowledged before the kill are all in its journal after the restart (%d now)", len(before), len(after))
	})
}

// shortenTimeouts sets every run's timeout in a machine's file.
func (m *multihost) shortenTimeouts(t *testing.T, name, timeout string) {
	t.Helper()
	b, err := os.ReadFile(m.file(name))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(b), `timeout = "2m"`, `timeout = "`+timeout+`"`)
	if err := os.WriteFile(m.file(name), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (m *multihost) stopAll(t *testing.T) {
	for _, p := range m.procs {
		p.stop(t)
	}
}

// Two machines with no route between them run a protocol through a third
// that runs `aura-host run` on a file with a relay block: each reserves a
// slot on the relay, dials the other through it, and the envelopes, end to
// end authenticated between the two (plugins/transport's relay tests show
// the relay can neither read nor forge them), complete the run on both.
func TestTwoMachinesMeetThroughARelay(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three hosts in three network namespaces")
	}
	lab := netns.New(t)
	a, r, b := lab.Host("a"), lab.Host("r"), lab.Host("b")
	ar, rb := lab.Link(a, r), lab.Link(r, b)
	if a.Command("ping", "-c", "1", "-W", "1", rb.AddrB).Run() == nil {
		t.Fatal("a reaches b directly: the test needs a relay to be the only way")
	}
	dir := t.TempDir()
	if err := os.Symlink(mustAbs(t, filepath.Join("..", "..", "examples", "protocols")), filepath.Join(dir, "protocols")); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) string {
		d := filepath.Join(dir, name)
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(d, name+".hcl")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	relayFile := write("r", "deployment \"net\" {}\nrelay {\n  listen = \"/ip4/0.0.0.0/tcp/4002\"\n}\n")
	key := func(file string) string {
		out, err := exec.Command(auraHost, "key", file).Output()
		if err != nil {
			t.Fatalf("aura-host key %s: %v", file, err)
		}
		_, k, _ := strings.Cut(strings.TrimSpace(string(out)), "\t")
		return k
	}
	machine := func(self, other, otherAddr, relayAddr string, keys map[string]string) string {
		return fmt.Sprintf(`deployment "net" {
  seed = 3
}
plugin "network" { builtin = "transport" }
plugin "clock" { builtin = "clock" }
plugin "random" { builtin = "random" }
plugin "crypto" { builtin = "crypto" }
plugin "console" { builtin = "console" }
plugin "journal" { builtin = "journal" }
agent %[1]q {
  allow  = ["network.send_envelope"]
  listen = "/ip4/0.0.0.0/tcp/4001"
  flow_budget {
    limit = 100
  }
}
peer %[2]q {
  address    = "/ip4/%[3]s/tcp/4001"
  public_key = %[5]q
}
peer "relay" {
  relay      = true
  address    = "/ip4/%[4]s/tcp/4002"
  public_key = %[6]q
}
run "ping" {
  protocol = "../protocols/ping_pong.hcl"
  roles    = { Client = "a", Server = "b" }
  timeout  = "2m"
}
`, self, other, otherAddr, relayAddr, keys[other], keys["relay"])
	}
	placeholder := map[string]string{"a": strings.Repeat("00", 32), "b": strings.Repeat("11", 32), "relay": strings.Repeat("22", 32)}
	aFile := write("a", machine("a", "b", rb.AddrB, ar.AddrB, placeholder))
	bFile := write("b", machine("b", "a", ar.AddrA, rb.AddrA, placeholder))
	keys := map[string]string{"a": key(aFile), "b": key(bFile), "relay": key(relayFile)}
	write("a", machine("a", "b", rb.AddrB, ar.AddrB, keys))
	write("b", machine("b", "a", ar.AddrA, rb.AddrA, keys))

	m := &multihost{lab: lab, hosts: map[string]*netns.Host{"a": a, "b": b, "relay": r}, procs: map[string]*machineProc{}}
	m.dirs = map[string]string{"a": filepath.Dir(aFile), "b": filepath.Dir(bFile), "relay": filepath.Dir(relayFile)}
	files := map[string]string{"a": aFile, "b": bFile, "relay": relayFile}
	defer m.stopAll(t)
	for _, name := range []string{"relay", "a", "b"} {
		m.startFile(t, name, files[name])
	}
	m.procs["relay"].waitFor(t, "relay listening", time.Minute)
	for _, name := range []string{"a", "b"} {
		if line := m.procs[name].waitFor(t, "run ping:", 3*time.Minute); !strings.HasPrefix(line, "run ping: completed") {
			t.Fatalf("%s: %s\n%s", name, line, tail(m.procs[name].log))
		}
	}
}
