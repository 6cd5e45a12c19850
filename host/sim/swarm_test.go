package sim_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/sim/bundle"
	"github.com/aurahost/aura-host/host/sim/swarm"
	"github.com/aurahost/aura-host/plugins"
)

// swarmBlock draws every kind, starting early enough for a ping-pong run
// (a few hundred milliseconds of virtual time) to meet them.
const swarmBlock = `
swarm {
  drop             = 0.3
  duplicate        = 0.3
  delay            = "0ms..20ms"
  partitions       = 2
  partition_length = "10ms..150ms"
  crash            = 1
  crash_length     = "10ms..50ms"
  window           = "0ms..50ms"
}
`

// One seed draws one schedule: the same bundle, byte for byte, twice; the
// bundle's swarm line lists what was drawn; other seeds draw other
// schedules, and the draws run as written faults would (each drawn fault
// starts in the bundle's fault lines).
func TestSwarmDrawsOneSchedulePerSeed(t *testing.T) {
	src := simBase + pingPongRun + swarmBlock
	first := simulate(t, src, 7)
	again := simulate(t, src, 7)
	if !bytes.Equal(first.Bundle.Bytes(), again.Bundle.Bytes()) {
		a, _ := bundle.Read("first", first.Bundle.Bytes())
		b, _ := bundle.Read("again", again.Bundle.Bytes())
		var diff strings.Builder
		bundle.WriteDiff(&diff, "first", "again", a, b, 3)
		t.Fatalf("seed 7 twice, different bundles:\n%s", diff.String())
	}
	b, err := bundle.Read("seed-7", first.Bundle.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !b.Swarm || len(b.Drawn) != len(first.Drawn) || len(first.Drawn) == 0 {
		t.Fatalf("swarm line %v (present %v), drawn %d faults:\n%s", b.Drawn, b.Swarm, len(first.Drawn), first.Bundle.Bytes())
	}
	for i, f := range first.Drawn {
		if b.Drawn[i]["kind"] != f.Kind || b.Drawn[i]["at_ms"] != float64(f.At.Milliseconds()) {
			t.Errorf("swarm line's fault %d is %v, drawn %s at %v", i, b.Drawn[i], f.Kind, f.At)
		}
	}
	schedules := map[string]uint64{}
	for seed := uint64(1); seed <= 8; seed++ {
		drawn := swarm.Draw(deployment(t, strings.ReplaceAll(src, "PROTOCOLS", protocolsDir())).Swarm, []string{"alice", "bob"}, nil, nil, seed)
		var key strings.Builder
		for _, f := range drawn {
			key.WriteString(f.Kind + "@" + f.At.String() + ";")
		}
		schedules[key.String()] = seed
	}
	if len(schedules) < 6 {
		t.Errorf("8 seeds drew only %d different schedules: %v", len(schedules), schedules)
	}
	for _, f := range first.Drawn {
		started := false
		for _, bf := range b.Faults {
			started = started || (bf.Kind == f.Kind && bf.Phase == "start" && bf.AtMs == f.At.Milliseconds())
		}
		if !started && f.At.Milliseconds() <= first.VirtualMs {
			t.Errorf("drawn %s at %v never started in the bundle:\n%s", f.Kind, f.At, first.Bundle.Bytes())
		}
	}
}

// Without a swarm block a seed's bundle has no swarm line. A swarm block
// that allows nothing draws nothing, and consumes none of the run's own
// randomness: its bundle is the same bytes but for the (empty) swarm line.
func TestSwarmHasAStreamOfItsOwn(t *testing.T) {
	out := simulate(t, simBase+pingPongRun, 7)
	if b, err := bundle.Read("seed-7", out.Bundle.Bytes()); err != nil || b.Swarm || out.Drawn != nil {
		t.Fatalf("a swarm line without a swarm block:\n%s", out.Bundle.Bytes())
	}
	empty := simulate(t, simBase+pingPongRun+"swarm {}\n", 7)
	lines := strings.SplitAfter(string(empty.Bundle.Bytes()), "\n")
	if len(lines) < 2 || lines[1] != `{"swarm":{"faults":[]}}`+"\n" {
		t.Fatalf("an empty swarm block's bundle:\n%s", empty.Bundle.Bytes())
	}
	if without := lines[0] + strings.Join(lines[2:], ""); without != string(out.Bundle.Bytes()) {
		t.Fatalf("an empty swarm block changed the run:\n%s\n---\n%s", empty.Bundle.Bytes(), out.Bundle.Bytes())
	}
}

// A fault fires when it acts on the run: a partition in force while the
// agents it cuts apart talk fires; one scheduled after the run is over
// does not, and the outcome says so.
func TestCoverageSaysWhichFaultsFired(t *testing.T) {
	during := simulate(t, simBase+pingPongRun+`
fault "partition" {
  at         = "0s"
  between    = ["alice", "bob"]
  heal_after = "150ms"
}
fault "duplicate" {
  at   = "10s"
  rate = 1
}
`, 7)
	if got := during.Coverage; len(got) != 2 || !got["partition"] || got["duplicate"] {
		t.Fatalf("coverage %v, want the partition fired and the duplicate (after the run, at 10s) not:\n%s", got, during.Bundle.Bytes())
	}
	// A crash fires when an envelope reaches the crashed agent (and waits
	// in the network for its restart): bob is down when alice's ping
	// arrives.
	crashed := simulate(t, simBase+pingPongRun+`
fault "crash" {
  at            = "0s"
  agent         = "bob"
  restart_after = "50ms"
}
`, 7)
	if got := crashed.Coverage; len(got) != 1 || !got["crash"] {
		t.Errorf("coverage %v, want the crash fired:\n%s", got, crashed.Bundle.Bytes())
	}
	if none := simulate(t, simBase+pingPongRun, 7); none.Coverage != nil {
		t.Errorf("coverage %v without faults", none.Coverage)
	}
}

// A storage failure fires when a storage call of an agent it hits fails,
// a clock skew when the skewed agent reads its clock: the client's
// storage call fails (and with it the run), and the server reads its
// clock 40ms ahead. A storage failure of an agent that stores nothing
// does not fire, nor a skew that starts after the run (any agent that
// sends reads its clock, so a skew in force during the run fires).
func TestCoverageOfStorageFailureAndClockSkew(t *testing.T) {
	protocol, _ := filepath.Abs("testdata/store_and_stamp.hcl")
	run := `
run "ss" {
  protocol = "` + protocol + `"
  roles    = { Client = "alice", Server = "bob" }
}
`
	hit := simulate(t, simBase+run+`
fault "storage_failure" {
  at    = "0s"
  agent = "alice"
  rate  = 1
}
fault "clock_skew" {
  at     = "0s"
  agent  = "bob"
  offset = "40ms"
}
`, 7)
	if got := hit.Coverage; !got["storage_failure"] || !got["clock_skew"] {
		t.Fatalf("coverage %v, want the storage failure and the clock skew fired:\n%s", got, hit.Bundle.Bytes())
	}
	if hit.Runs[0].Err == nil || !strings.Contains(hit.Runs[0].Err.Error(), "injected storage failure") {
		t.Errorf("the client's storage call did not fail the run: %v", hit.Runs[0].Err)
	}
	missed := simulate(t, simBase+run+`
fault "storage_failure" {
  at    = "0s"
  agent = "bob"
  rate  = 1
}
fault "clock_skew" {
  at     = "10s"
  agent  = "alice"
  offset = "-40ms"
}
`, 7)
	if got := missed.Coverage; got["storage_failure"] || got["clock_skew"] || len(got) != 2 {
		t.Errorf("coverage %v, want both scheduled and neither fired (bob stores nothing, the skew starts after the run):\n%s", got, missed.Bundle.Bytes())
	}
	if missed.Runs[0].Err != nil {
		t.Errorf("the run failed without a fault acting on it: %v", missed.Runs[0].Err)
	}
}

// An agent allowed every operation still cannot skew a clock through its
// router, another agent's or its own: the simulator's clock skews are the
// simulator's (the call acts for the agent, and sim-clock denies it).
func TestAgentsCannotSkewClocksThroughTheirRouter(t *testing.T) {
	s, err := sim.New(context.Background(), sim.Config{
		Deployment: deployment(t, strings.ReplaceAll(simBase+pingPongRun, "PROTOCOLS", protocolsDir())), Seed: 1,
		Builtins: plugins.Lookup, Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	alice, bob := s.Agent("alice"), s.Agent("bob")
	for _, target := range []effects.AuthorityID{bob.AuthorityID(), alice.AuthorityID()} {
		_, err := alice.Invoke(context.Background(), effects.TimeControlSetSkew,
			effects.Map(map[string]effects.Value{"authority": effects.Bytes(target[:]), "offset_ms": effects.Int(60_000)}))
		if !errors.Is(err, effects.ErrDenied) {
			t.Errorf("alice skewing %s: %v, want denied", target, err)
		}
	}
}
