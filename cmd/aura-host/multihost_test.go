package main_test

import (
	"bufio"
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

	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/internal/netns"
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
		for _, f := range []string{name + ".hcl", "recovery.hcl"} {
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
	args := []string{"run", m.file(name), "--log-level", "info"}
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
// the recovered device signs with device_1 under the threshold key —
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
	defer func() {
		for _, name := range machines {
			m.procs[name].stop(t)
		}
	}()
	want := map[string][]string{
		"device_1": {"dkg", "sign"}, "device_2": {"dkg"}, "device_3": {"dkg", "recovery", "sign"},
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
