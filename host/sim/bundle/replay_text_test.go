package bundle

import (
	"errors"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/trace"
)

// TestWriteReplay: each machine's line by its status, the callback called
// only for a divergence with a fault, and the summary.
func TestWriteReplay(t *testing.T) {
	t.Parallel()
	tr := &trace.Trace{Entries: make([]trace.Entry, 3)}
	m := func(role string, first int) Machine {
		return Machine{Run: "r", Role: role, Agent: "a" + role, First: first}
	}
	b := &Bundle{File: "b.jsonl", Header: Header{Deployment: "demo", Seed: 7}, Traces: make([]Machine, 3)}
	replays := []MachineReplay{
		{Machine: m("A", 2), Replay: session.Replay{Status: session.Replayed, Trace: tr, Want: [32]byte{1}}},
		{Machine: m("B", 10), Replay: session.Replay{Status: session.Diverged, Trace: tr, Fault: &vm.Fault{Kind: vm.FaultDeterminism, Index: 1}}},
		{Machine: m("C", 20), Replay: session.Replay{Status: session.Unreadable, Err: errors.New("bad line")}},
	}
	var calls []string
	var w strings.Builder
	if b.WriteReplay(&w, replays, func(r MachineReplay) { calls = append(calls, r.Role) }) {
		t.Error("reported OK with two failures")
	}
	want := `b.jsonl: simulation bundle of deployment "demo", seed 7: 3 machine traces
  run r, role A (agent aA): OK: replayed 3 entries, trace hash 0100000000000000000000000000000000000000000000000000000000000000
  run r, role B (agent aB): DIVERGED at entry 1 (line 13)
  run r, role C (agent aC): unreadable: bad line
2 of 3 machine traces did not replay
`
	if w.String() != want {
		t.Errorf("got\n%s\nwant\n%s", w.String(), want)
	}
	if len(calls) != 1 || calls[0] != "B" {
		t.Errorf("diverged called for %v, want [B]", calls)
	}
	w.Reset()
	b.Traces = b.Traces[:1]
	if !b.WriteReplay(&w, replays[:1], nil) || !strings.HasSuffix(w.String(), "OK: every machine trace replayed with no plugins\n") ||
		!strings.Contains(w.String(), "seed 7: 1 machine trace\n") {
		t.Errorf("one machine, OK: got\n%s", w.String())
	}
}
