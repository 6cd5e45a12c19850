package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host"
)

// The whole service catalogue (examples/full): every service the file
// declares starts after what it depends on, reports its health in
// `status`, and stops in reverse order when the host is interrupted.
func TestFullCatalogueStartsInOrderAndStopsInReverse(t *testing.T) {
	src, err := os.ReadFile("../../examples/full/deployment.hcl")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "deployment.hcl")
	if err := os.WriteFile(file, src, 0o600); err != nil {
		t.Fatal(err)
	}
	dep, diags := config.Load(file, config.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	rh := startRun(t, file)

	var st host.AdminStatus
	if err := json.Unmarshal([]byte(mustCLI(t, "status", file, "--json")), &st); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range st.Services {
		names = append(names, s.Name)
		if s.Health.State != "healthy" {
			t.Errorf("service %s: %s, want healthy", s.Name, s.Health)
		}
	}
	for _, s := range dep.Services {
		if !slices.Contains(names, s.Name) {
			t.Errorf("status does not report service %s", s.Name)
		}
		for _, d := range s.DependsOn {
			if i, j := slices.Index(names, d), slices.Index(names, s.Name); i >= 0 && i > j {
				t.Errorf("service %s started before %s, which it depends on", s.Name, d)
			}
		}
	}

	if err := rh.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- rh.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("aura-host run did not stop within 30s of SIGINT\nstderr:\n%s", rh.stderr.String())
	}
	started, stopped := serviceEvents(rh.stderr.String())
	if !slices.Equal(started, names) {
		t.Fatalf("started %v, status reports %v", started, names)
	}
	slices.Reverse(started)
	if !slices.Equal(stopped, started) {
		t.Fatalf("stopped %v, want the reverse of the start order %v", stopped, started)
	}
	waitGone(t, rh.pids, 2*time.Second)
}

var serviceEvent = regexp.MustCompile(`service (started|stopped): service=(\S+) health=(\S+)`)

// serviceEvents reads the order services started and stopped in from the
// host's log.
func serviceEvents(log string) (started, stopped []string) {
	for _, line := range strings.Split(log, "\n") {
		if m := serviceEvent.FindStringSubmatch(line); m != nil {
			if m[1] == "started" {
				started = append(started, m[2])
			} else if m[3] == "stopped" {
				stopped = append(stopped, m[2])
			}
		}
	}
	return started, stopped
}
