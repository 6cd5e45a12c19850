// Package netns builds small networks of Linux network namespaces for
// tests: each Host is a namespace of its own (a machine, as far as the
// network can tell), joined to others by veth pairs whose addresses exist
// only on those pairs. Nothing routes between two hosts unless a link
// joins them (or a Switch puts them on one segment), so a test that needs
// a relay gets one, and a partition is a link set down.
//
// It drives iproute2's `ip` command, so it needs Linux, root (or
// CAP_NET_ADMIN and CAP_SYS_ADMIN) and iproute2. Require skips a test,
// saying why, where the machine forbids namespaces; CI runs as root and
// has them.
//
// Every namespace a Lab makes is named with the Lab's unique prefix and
// deleted by the test's cleanup, after the processes started in it
// through Host.Command are killed; deleting a namespace removes its veth
// ends and so the pairs. A test that dies without its cleanup (SIGKILL)
// leaves namespaces named aura-t…; Sweep deletes those whose process is
// gone.
//
// The package imports nothing of the project.
package netns

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// prefix starts the name of every namespace this package makes; the PID
// of the test process that made it follows, so Sweep can tell a live
// lab's namespaces from a dead one's.
const prefix = "aura-t"

var (
	probeOnce sync.Once
	probeErr  error
)

// Available reports whether this machine lets the process make network
// namespaces, and why not.
func Available() error {
	probeOnce.Do(func() {
		switch {
		case runtime.GOOS != "linux":
			probeErr = fmt.Errorf("network namespaces are Linux only (this is %s)", runtime.GOOS)
			return
		case os.Geteuid() != 0:
			probeErr = fmt.Errorf("making network namespaces needs root (running as uid %d)", os.Geteuid())
			return
		}
		if _, err := exec.LookPath("ip"); err != nil {
			probeErr = fmt.Errorf("iproute2's ip command is not installed (apt-get install iproute2): %w", err)
			return
		}
		Sweep()
		name := fmt.Sprintf("%s%d-probe-%s", prefix, os.Getpid(), randomHex(3))
		if err := ip("netns", "add", name); err != nil {
			probeErr = fmt.Errorf("this machine refuses network namespaces: %w", err)
			return
		}
		_ = ip("netns", "del", name)
	})
	return probeErr
}

// Require skips the test, with the reason, where namespaces cannot be made.
func Require(tb testing.TB) {
	tb.Helper()
	if err := Available(); err != nil {
		tb.Skipf("skipped: needs network namespaces: %v", err)
	}
}

// Sweep deletes the namespaces of earlier test processes that are gone
// (killed before their cleanup ran).
func Sweep() {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() || syscall.Kill(pid, 0) == nil {
			continue
		}
		_ = ip("netns", "del", name)
	}
}

// Lab is one test's network: its hosts, links and the processes started in
// them, all removed by the test's cleanup.
type Lab struct {
	tb     testing.TB
	prefix string

	mu    sync.Mutex
	hosts []*Host
	cmds  []*exec.Cmd
	nets  int // links and switches made, numbering their subnets
}

// New makes an empty lab for tb, skipping tb where namespaces cannot be
// made. Its cleanup kills what the lab's hosts run and deletes its
// namespaces.
func New(tb testing.TB) *Lab {
	tb.Helper()
	Require(tb)
	l := &Lab{tb: tb, prefix: fmt.Sprintf("%s%d-%s", prefix, os.Getpid(), randomHex(3))}
	tb.Cleanup(l.close)
	return l
}

// Host makes a namespace named after name, with its loopback up and no
// other interface.
func (l *Lab) Host(name string) *Host {
	l.tb.Helper()
	h := &Host{lab: l, name: name, ns: l.prefix + "-" + name}
	if err := ip("netns", "add", h.ns); err != nil {
		l.tb.Fatalf("netns: host %s: %v", name, err)
	}
	l.mu.Lock()
	l.hosts = append(l.hosts, h)
	l.mu.Unlock()
	h.must("link", "set", "lo", "up")
	return h
}

// Link joins a and b by a veth pair on a subnet of their own:
// a gets 10.77.N.1 and b 10.77.N.2 (a /30). Neither forwards, so a third
// host linked to only one of them cannot reach the other.
func (l *Lab) Link(a, b *Host) *Link {
	l.tb.Helper()
	n := l.nextNet()
	lk := &Link{a: a, b: b, ifA: fmt.Sprintf("v%d-a", n), ifB: fmt.Sprintf("v%d-b", n),
		AddrA: fmt.Sprintf("10.77.%d.1", n), AddrB: fmt.Sprintf("10.77.%d.2", n)}
	if err := ip("link", "add", lk.ifA, "netns", a.ns, "type", "veth", "peer", "name", lk.ifB, "netns", b.ns); err != nil {
		l.tb.Fatalf("netns: link %s-%s: %v", a.name, b.name, err)
	}
	a.must("addr", "add", lk.AddrA+"/30", "dev", lk.ifA)
	b.must("addr", "add", lk.AddrB+"/30", "dev", lk.ifB)
	lk.Up()
	return lk
}

// Switch puts hosts on one segment: a bridge in a namespace of its own,
// one veth pair to each host, which gets 10.77.N.(i+1)/24 in the order
// given. A host's Port is its cable: set down, it is cut off from the
// others (a partition), set up, it is back.
func (l *Lab) Switch(hosts ...*Host) *Switch {
	l.tb.Helper()
	n := l.nextNet()
	sw := &Switch{Host: l.Host(fmt.Sprintf("sw%d", n)), Addr: map[*Host]string{}, Port: map[*Host]*Link{}}
	sw.must("link", "add", "br0", "type", "bridge")
	sw.must("link", "set", "br0", "up")
	for i, h := range hosts {
		lk := &Link{a: h, b: sw.Host, ifA: fmt.Sprintf("s%d-%d", n, i), ifB: fmt.Sprintf("p%d", i),
			AddrA: fmt.Sprintf("10.77.%d.%d", n, i+1)}
		if err := ip("link", "add", lk.ifA, "netns", h.ns, "type", "veth", "peer", "name", lk.ifB, "netns", sw.ns); err != nil {
			l.tb.Fatalf("netns: switch port for %s: %v", h.name, err)
		}
		h.must("addr", "add", lk.AddrA+"/24", "dev", lk.ifA)
		sw.must("link", "set", lk.ifB, "master", "br0")
		lk.Up()
		sw.Addr[h], sw.Port[h] = lk.AddrA, lk
	}
	return sw
}

func (l *Lab) nextNet() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.nets++
	if l.nets > 250 {
		l.tb.Fatal("netns: a lab has at most 250 links and switches")
	}
	return l.nets
}

// close kills the processes started in the lab's hosts and deletes its
// namespaces.
func (l *Lab) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.cmds {
		if c.Process != nil && c.ProcessState == nil {
			// ip netns exec runs the command in place, so its PID is the
			// command's; kill its process group, which it leads.
			_ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
			_ = c.Process.Kill()
		}
	}
	for _, h := range l.hosts {
		if err := ip("netns", "del", h.ns); err != nil {
			l.tb.Errorf("netns: delete %s: %v", h.ns, err)
		}
	}
	l.hosts = nil
}

// Host is one namespace of a lab.
type Host struct {
	lab  *Lab
	name string
	ns   string
}

// Command prepares name with args to run inside the host's namespace (in a
// process group of its own). The lab kills it, if it still runs, when the
// test ends; Wait for it, or kill it, to end it sooner.
func (h *Host) Command(name string, args ...string) *exec.Cmd {
	c := exec.Command("ip", append([]string{"netns", "exec", h.ns, name}, args...)...)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	h.lab.mu.Lock()
	h.lab.cmds = append(h.lab.cmds, c)
	h.lab.mu.Unlock()
	return c
}

// IP runs `ip ARGS` inside the host's namespace.
func (h *Host) IP(args ...string) error {
	return ip(append([]string{"-n", h.ns}, args...)...)
}

func (h *Host) must(args ...string) {
	h.lab.tb.Helper()
	if err := h.IP(args...); err != nil {
		h.lab.tb.Fatalf("netns: host %s: %v", h.name, err)
	}
}

// Link is a veth pair between two hosts.
type Link struct {
	a, b     *Host
	ifA, ifB string
	// AddrA and AddrB are the addresses of the pair's ends (AddrB is empty
	// for a switch port: the bridge end has none).
	AddrA, AddrB string
}

// Down cuts the link: both ends go down, and nothing crosses until Up.
func (lk *Link) Down() error { return lk.set("down") }

// Up restores the link.
func (lk *Link) Up() error { return lk.set("up") }

func (lk *Link) set(state string) error {
	if err := lk.a.IP("link", "set", lk.ifA, state); err != nil {
		return err
	}
	return lk.b.IP("link", "set", lk.ifB, state)
}

// Switch is a segment joining several hosts through a bridge.
type Switch struct {
	*Host
	// Addr is each host's address on the segment.
	Addr map[*Host]string
	// Port is each host's cable to the bridge.
	Port map[*Host]*Link
}

func ip(args ...string) error {
	var stderr bytes.Buffer
	c := exec.Command("ip", args...)
	c.Stderr = &stderr
	if err := c.Run(); err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
