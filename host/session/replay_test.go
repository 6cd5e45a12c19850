package session

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/trace"
)

// TestReadTraceFile: a written trace reads back; an altered line is the
// Determinism fault at its index; a missing or foreign file an error
// naming what to give.
func TestReadTraceFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tr := &trace.Trace{Header: trace.Header{Format: trace.Format, Protocol: "P", Granularity: policy.Full,
		SessionText: "session-" + strings.Repeat("ab", 16)},
		Entries: []trace.Entry{
			{OrderingKey: 1, EffectID: 1, Role: "A", Operation: "x", Inputs: effects.Int(1), Outputs: effects.Int(2)},
			{OrderingKey: 2, EffectID: 2, Role: "A", Operation: "y", Inputs: effects.Int(3), Outputs: effects.Int(4)},
		}}
	var b strings.Builder
	if err := tr.WriteJSONL(&b); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.jsonl")
	os.WriteFile(good, []byte(b.String()), 0o600)
	got, err := ReadTraceFile(good)
	if err != nil || len(got.Entries) != 2 || got.Header.Protocol != "P" {
		t.Fatalf("ReadTraceFile(good) = %v, %v", got, err)
	}

	altered := filepath.Join(dir, "altered.jsonl")
	os.WriteFile(altered, []byte(strings.Replace(b.String(), `"operation":"y"`, `"operation":"z"`, 1)), 0o600)
	_, err = ReadTraceFile(altered)
	fault, ok := err.(*vm.Fault)
	if !ok || fault.Kind != vm.FaultDeterminism || fault.Index != 1 {
		t.Errorf("altered: got %v (%T), want the Determinism fault at entry 1", err, err)
	}

	if _, err := ReadTraceFile(filepath.Join(dir, "missing.jsonl")); err == nil || !errors.Is(err, os.ErrNotExist) ||
		!strings.Contains(err.Error(), "give a file written by `aura-host protocol run --record`") {
		t.Errorf("missing: %v", err)
	}
	other := filepath.Join(dir, "other.txt")
	os.WriteFile(other, []byte("hello\n"), 0o600)
	if _, err := ReadTraceFile(other); err == nil || !strings.Contains(err.Error(), "read trace "+other+": ") {
		t.Errorf("foreign file: %v", err)
	}
}

// TestReplayWriteText: OK, the entries, the recorded fault, the hash.
func TestReplayWriteText(t *testing.T) {
	t.Parallel()
	r := Replay{Status: Replayed, Trace: &trace.Trace{Header: trace.Header{Protocol: "P"}, Entries: make([]trace.Entry, 2)}, Want: [32]byte{0xab}}
	var b strings.Builder
	r.WriteText(&b, "t.jsonl")
	want := "t.jsonl: OK: replayed 2 entries of protocol \"P\" with no plugins\ntrace hash ab" + strings.Repeat("00", 31) + "\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	r.Fault = &vm.Fault{Kind: vm.FaultDeterminism}
	b.Reset()
	r.WriteText(&b, "t.jsonl")
	if !strings.Contains(b.String(), "\nthe recorded run ended in a fault, and so does the replay: "+vm.FaultDeterminism.String()+"\n") {
		t.Errorf("with a fault: %q", b.String())
	}
}

// TestReplayFile: a full trace replays; a topology_only one, a file that
// does not read and one with an altered line do not, and Failure names the
// file in each case but the altered line (a diagnostic's).
func TestReplayFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	src, err := os.ReadFile("../../examples/protocols/ping_pong.hcl")
	if err != nil {
		t.Fatal(err)
	}
	_, prog, _, diags := Compile(src, "ping_pong.hcl", "")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	fx := vm.NewRegistryEffects(vm.RegistryEffectsConfig{Registry: effects.NewRegistry(), Seed: 5})
	m, err := vm.RunSession(ctx, prog, vm.Config{Effects: fx, Granularity: policy.Full, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := m.Trace().WriteJSONL(&b); err != nil {
		t.Fatal(err)
	}
	full := filepath.Join(dir, "full.jsonl")
	os.WriteFile(full, []byte(b.String()), 0o600)
	if r := ReplayFile(ctx, full); r.Status != Replayed || r.Failure(full) != nil || r.Want != r.Got {
		t.Fatalf("full trace: %+v, failure %v", r, r.Failure(full))
	}

	lines := strings.SplitAfter(b.String(), "\n")
	altered := filepath.Join(dir, "altered.jsonl")
	os.WriteFile(altered, []byte(lines[0]+strings.Replace(strings.Join(lines[1:], ""), `"role":"`, `"role":"X`, 1)), 0o600)
	if r := ReplayFile(ctx, altered); r.Status != Diverged || r.Fault == nil || r.Failure(altered) != nil {
		t.Errorf("altered trace: %+v, failure %v", r, r.Failure(altered))
	}

	missing := filepath.Join(dir, "missing.jsonl")
	if r := ReplayFile(ctx, missing); r.Status != Unreadable || !errors.Is(r.Failure(missing), os.ErrNotExist) {
		t.Errorf("missing file: %+v", r)
	}

	topo := Replay{Status: NotReplayable, Trace: &trace.Trace{Header: trace.Header{Granularity: policy.TopologyOnly}}}
	if err := topo.Failure("t.jsonl"); err == nil || !strings.Contains(err.Error(), "replay t.jsonl: the trace is topology_only") {
		t.Errorf("topology_only: %v", err)
	}
	byHash := Replay{Status: Diverged, Want: [32]byte{1}, Got: [32]byte{2}}
	if err := byHash.Failure("t.jsonl"); err == nil || !strings.HasPrefix(err.Error(), "t.jsonl: the replayed trace hashes 02") {
		t.Errorf("diverged by hash: %v", err)
	}
}
