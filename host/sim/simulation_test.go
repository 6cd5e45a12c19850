package sim_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/internal/hosttest"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/sim/bundle"
	"github.com/aurahost/aura-host/plugins"
	"github.com/aurahost/aura-host/vm"
)

func protocolsDir() string { return hosttest.ProtocolsDir() }

const simBase = hosttest.SimBase

func simulate(t *testing.T, src string, seed uint64) *sim.Outcome {
	t.Helper()
	sim, err := sim.New(context.Background(), sim.Config{
		Deployment: deployment(t, strings.ReplaceAll(src, "PROTOCOLS", protocolsDir())), Seed: seed,
		Builtins: plugins.Lookup, Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close(context.Background())
	out, err := sim.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSimulatedPingPongAcrossTwoAgents(t *testing.T) {
	out := simulate(t, simBase+`
run "pp" {
  protocol = "PROTOCOLS/ping_pong.hcl"
  roles    = { Client = "alice", Server = "bob" }
}
`, 7)
	r := out.Runs[0]
	if r.Err != nil {
		t.Fatalf("run failed: %v\nbundle:\n%s", r.Err, out.Bundle.Bytes())
	}
	ping, _ := r.Binding("Server", "ping")
	pong, _ := r.Binding("Client", "pong")
	if ping.Len() == 0 || !ping.Equal(pong) {
		t.Fatalf("ping %v, pong %v", ping, pong)
	}
	again := simulate(t, simBase+`
run "pp" {
  protocol = "PROTOCOLS/ping_pong.hcl"
  roles    = { Client = "alice", Server = "bob" }
}
`, 7)
	if out.Bundle.Hash() != again.Bundle.Hash() {
		var diff strings.Builder
		a, _ := bundle.Read("first", out.Bundle.Bytes())
		b, _ := bundle.Read("again", again.Bundle.Bytes())
		bundle.WriteDiff(&diff, "first", "again", a, b, 3)
		t.Fatalf("same seed, different bundles:\n%s", diff.String())
	}
}

// The guardian-recovery deployment of examples/simulation, run in
// production mode: real plugins, each agent's plugins as processes, the
// transport over loopback TCP, wall-clock time.
func TestGuardianRecoveryInProductionOverLoopback(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(protocolsDir(), "..", "simulation", "deployment.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(src), `"../protocols/`, `"`+protocolsDir()+`/`)
	sim, err := sim.New(context.Background(), sim.Config{
		Deployment: deployment(t, text), Mode: effects.Production, Executable: auraHost,
		Builtins: plugins.Lookup, Logger: quietLogger(t),
		Decide: func(req *vm.DecisionRequest, _ uint64) (string, error) { return req.Labels[0], nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close(context.Background())
	for _, name := range []string{"account", "g1"} {
		for _, p := range sim.Agent(name).Host().Plugins() {
			if p.PID == 0 || p.InProcess {
				t.Fatalf("agent %s plugin %s is not a process: %+v", name, p.Name, p)
			}
		}
	}
	out, err := sim.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := out.Runs[0]
	if r.Err != nil {
		t.Fatalf("run failed: %v", r.Err)
	}
	if _, granted := r.Binding("Account", "granted_at"); !granted {
		t.Fatal("recovery completed without a grant")
	}
	t.Logf("granted after %dms of wall-clock time", r.FinishedMs)
}

// Swapping the clock for sim-clock makes a protocol that waits an hour
// finish at once in real time: the simulator jumps virtual time to the
// sleeper's deadline.
func TestAnHourPassesInVirtualTime(t *testing.T) {
	slow, _ := filepath.Abs("testdata/slow_reply.hcl")
	start := time.Now()
	out := simulate(t, simBase+`
run "slow" {
  protocol = "`+slow+`"
  roles    = { Asker = "alice", Sleeper = "bob" }
  timeout  = "2h"
}
`, 1)
	elapsed := time.Since(start)
	r := out.Runs[0]
	if r.Err != nil {
		t.Fatalf("run failed: %v", r.Err)
	}
	if r.FinishedMs < time.Hour.Milliseconds() {
		t.Fatalf("finished at %dms of virtual time, before the hour passed", r.FinishedMs)
	}
	t.Logf("an hour of virtual time (finished at %dms) took %v of real time", r.FinishedMs, elapsed)
	if elapsed > 30*time.Second { // an hour would be 3600s: anything near it means real waiting
		t.Fatalf("took %v of real time", elapsed)
	}
	// A run whose timeout is shorter than the wait fails with a timeout.
	out = simulate(t, simBase+`
run "slow" {
  protocol = "`+slow+`"
  roles    = { Asker = "alice", Sleeper = "bob" }
  timeout  = "30m"
}
`, 1)
	if err := out.Runs[0].Err; err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("a 30m timeout on an hour's wait: got %v", err)
	}
}

// A run that binds a role its protocol does not have is refused when it
// is run, as `simulate` refuses it, not left unbound.
func TestRunBindingAnUnknownRoleIsRefused(t *testing.T) {
	s, err := sim.New(context.Background(), sim.Config{Deployment: deployment(t, strings.ReplaceAll(simBase+`
run "pp" {
  protocol = "PROTOCOLS/ping_pong.hcl"
  roles    = { Client = "alice", Server = "bob", Observer = "bob" }
}
`, "PROTOCOLS", protocolsDir())), Seed: 1, Builtins: plugins.Lookup, Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	_, err = s.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), `binds Observer, which protocol ping_pong does not have`) {
		t.Fatalf("got %v, want the unknown role refused", err)
	}
}
