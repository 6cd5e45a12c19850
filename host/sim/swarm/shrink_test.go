package swarm_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/sim/swarm"
)

// simulated is the Outcome the fake simulations give: the schedule they
// were given, so that a test can check which simulation a shrink kept.
type simulated = []*config.Fault

// fakeFailure fails (an invariant violation) when the schedule still has
// a partition healing after 10ms or more and a delay of at most 4ms or
// more: what the shrinker must keep, and no more.
func fakeFailure(calls *int) func(context.Context, uint64, []*config.Fault) (swarm.Trial[simulated], error) {
	return func(_ context.Context, _ uint64, faults []*config.Fault) (swarm.Trial[simulated], error) {
		*calls++
		var partition, delay bool
		for _, f := range faults {
			partition = partition || (f.Kind == config.FaultPartition && f.HealAfter >= 10*time.Millisecond)
			delay = delay || (f.Kind == config.FaultDelay && f.Max >= 4*time.Millisecond)
		}
		t := swarm.Trial[simulated]{Outcome: faults, EndMs: 300}
		if partition && delay {
			t.Failure, t.Failed = swarm.Failure{Invariant: "needs_both"}, true
		}
		return t, nil
	}
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

var fakeSchedule = []*config.Fault{
	{Kind: config.FaultDrop, Rate: 0.05},
	{Kind: config.FaultDuplicate, At: ms(3), Rate: 0.2},
	{Kind: config.FaultDelay, At: ms(5), Min: ms(6), Max: ms(30)},
	{Kind: config.FaultPartition, At: ms(20), Between: []string{"a", "b", "c"}, HealAfter: ms(80)},
	{Kind: config.FaultCrash, At: ms(40), Agent: "c", RestartAfter: ms(50)},
	{Kind: config.FaultPartition, At: ms(150), Between: []string{"b", "a"}, HealAfter: ms(8)}, // too short to matter
}

// The shrinker drops every fault the failure does not need and
// simplifies the rest as far as they still fail: the partition healing
// after 10ms (80 halved three times) between two agents, the delay's
// maximum 7ms (30 halved twice) and its minimum 0. Twice, the same.
func TestShrinkKeepsOnlyWhatTheFailureNeeds(t *testing.T) {
	var calls int
	shrink := func() *swarm.Shrunk[simulated] {
		calls = 0
		s, err := swarm.Shrink(context.Background(), swarm.ShrinkConfig[simulated]{Seed: 1, Faults: fakeSchedule, Simulate: fakeFailure(&calls)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := shrink()
	var b bytes.Buffer
	if err := config.WriteFaults(&b, s.Faults); err != nil {
		t.Fatal(err)
	}
	want := `fault "delay" {
  at  = "5ms"
  min = "0ms"
  max = "7ms"
}

fault "partition" {
  at         = "20ms"
  between    = ["a", "b"]
  heal_after = "10ms"
}
`
	if b.String() != want {
		t.Errorf("shrunk to\n%s\nwant\n%s", b.String(), want)
	}
	if s.Failure != (swarm.Failure{Invariant: "needs_both"}) || s.Original != len(fakeSchedule) || s.Exhausted || s.Simulations != calls {
		t.Errorf("shrunk %+v after %d calls", s, calls)
	}
	if !reflect.DeepEqual(s.Outcome, s.Faults) {
		t.Errorf("the outcome kept is the simulation of %v, not of the schedule kept", s.Outcome)
	}
	if fakeSchedule[3].HealAfter != ms(80) || len(fakeSchedule[3].Between) != 3 {
		t.Errorf("the shrinker changed the schedule it was given: %+v", *fakeSchedule[3])
	}
	again := shrink()
	var b2 bytes.Buffer
	_ = config.WriteFaults(&b2, again.Faults)
	if b2.String() != b.String() || again.Simulations != s.Simulations {
		t.Errorf("a second shrink differs: %d simulations\n%s", again.Simulations, b2.String())
	}
}

// A budget bounds the simulations, and says the result may not be the
// smallest; a schedule that does not fail is refused.
func TestShrinkStopsAtItsBudgetAndRefusesAPassingSchedule(t *testing.T) {
	var calls int
	s, err := swarm.Shrink(context.Background(), swarm.ShrinkConfig[simulated]{Seed: 1, Faults: fakeSchedule, Budget: 5, Simulate: fakeFailure(&calls)})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 5 || s.Simulations != 5 || !s.Exhausted {
		t.Errorf("budget 5: %d calls, %d simulations, exhausted %v", calls, s.Simulations, s.Exhausted)
	}
	_, err = swarm.Shrink(context.Background(), swarm.ShrinkConfig[simulated]{Seed: 1, Faults: fakeSchedule[:2], Simulate: fakeFailure(&calls)})
	if !errors.Is(err, swarm.ErrNotReproduced) || !strings.Contains(err.Error(), "got no failure") {
		t.Errorf("a passing schedule: %v", err)
	}
	_, err = swarm.Shrink(context.Background(), swarm.ShrinkConfig[simulated]{Seed: 1, Faults: fakeSchedule, Want: swarm.Failure{Invariant: "other"}, Simulate: fakeFailure(&calls)})
	if !errors.Is(err, swarm.ErrNotReproduced) {
		t.Errorf("another failure: %v", err)
	}
}

// Crashes are made shorter and moved later (half way to the end of the
// failing run, 300ms here), rates lowered, as far as the failure allows:
// here a crash of c down for 10ms or more, starting by 200ms, with a drop
// rate of 0.01 or more.
func TestShrinkMovesCrashesLaterAndLowersRates(t *testing.T) {
	failing := func(_ context.Context, _ uint64, faults []*config.Fault) (swarm.Trial[simulated], error) {
		var crash, drop bool
		for _, f := range faults {
			crash = crash || (f.Kind == config.FaultCrash && f.RestartAfter >= ms(10) && f.At <= ms(200))
			drop = drop || (f.Kind == config.FaultDrop && f.Rate >= 0.01)
		}
		t := swarm.Trial[simulated]{Outcome: faults, EndMs: 300}
		if crash && drop {
			t.Failure, t.Failed = swarm.Failure{Run: "r", Kind: "Timeout"}, true
		}
		return t, nil
	}
	s, err := swarm.Shrink(context.Background(), swarm.ShrinkConfig[simulated]{Seed: 1, Faults: fakeSchedule, Simulate: failing})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := config.WriteFaults(&b, s.Faults); err != nil {
		t.Fatal(err)
	}
	want := `fault "drop" {
  at   = "0ms"
  rate = 0.012
}

fault "crash" {
  at            = "170ms"
  agent         = "c"
  restart_after = "12ms"
}
`
	if b.String() != want || s.Failure != (swarm.Failure{Run: "r", Kind: "Timeout"}) {
		t.Errorf("shrunk to %v:\n%s\nwant\n%s", s.Failure, b.String(), want)
	}
}
