package vm

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/trace"
)

// recordGuardian runs the guardian-recovery example with a fresh host
// and returns its full trace.
func recordGuardian(t testing.TB, prog *Program, seed uint64) *trace.Trace {
	t.Helper()
	host := NewRegistryEffects(RegistryEffectsConfig{Registry: testRegistry(t), Seed: seed})
	m, err := RunSession(context.Background(), prog, Config{Effects: host, Session: effects.DeriveSessionID("trace", seed), Granularity: policy.Full, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return m.Trace()
}

func encode(t testing.TB, tr *trace.Trace) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := tr.WriteJSONL(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestSameSeedSameTrace: 100 runs with the same seed give byte-identical
// traces, sequentially and concurrently under GOMAXPROCS 1 and 2; another
// seed gives another trace.
func TestSameSeedSameTrace(t *testing.T) {
	prog := compileExample(t, "guardian_recovery")
	want := recordGuardian(t, prog, 42)
	wantHash, wantBytes := want.Hash(), encode(t, want)
	for i := range 100 {
		tr := recordGuardian(t, prog, 42)
		if tr.Hash() != wantHash || !bytes.Equal(encode(t, tr), wantBytes) {
			t.Fatalf("run %d: trace differs", i)
		}
	}
	for _, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		var wg sync.WaitGroup
		hashes := make([][32]byte, 100)
		for i := range hashes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				hashes[i] = recordGuardian(t, prog, 42).Hash()
			}()
		}
		wg.Wait()
		runtime.GOMAXPROCS(prev)
		for i, h := range hashes {
			if h != wantHash {
				t.Fatalf("GOMAXPROCS=%d, run %d: trace hash differs", procs, i)
			}
		}
	}
	if recordGuardian(t, prog, 43).Hash() == wantHash {
		t.Fatal("a different seed gave the same trace")
	}
}

// TestReplayWithoutHandlers records a run, writes and reads it as JSON
// Lines, and replays it with no registry at all: the replay reproduces
// the trace byte for byte.
func TestReplayWithoutHandlers(t *testing.T) {
	for _, name := range exampleNames(t) {
		t.Run(name, func(t *testing.T) {
			prog := compileExample(t, name)
			host := NewRegistryEffects(RegistryEffectsConfig{Registry: testRegistry(t), Seed: 9, Payload: examplePayloads})
			m, err := RunSession(context.Background(), prog, Config{Effects: host, Granularity: policy.Full, Seed: 9})
			if err != nil {
				t.Fatal(err)
			}
			recorded := encode(t, m.Trace())
			tr, err := ReadTrace(bytes.NewReader(recorded))
			if err != nil {
				t.Fatal(err)
			}
			// The trace carries its protocol: it replays on its own.
			replayed, err := ReplayTrace(context.Background(), tr)
			if err != nil {
				t.Fatal(err)
			}
			if got := encode(t, replayed.Trace()); !bytes.Equal(got, recorded) {
				t.Fatalf("replayed trace differs:\n%s\nrecorded:\n%s", got, recorded)
			}
		})
	}
}

// TestReplayHostedRole replays the trace of one hosted role's machine on
// its own: the deliveries come from the trace.
func TestReplayHostedRole(t *testing.T) {
	prog := compileExample(t, "guardian_recovery")
	host := NewRegistryEffects(RegistryEffectsConfig{Registry: testRegistry(t), Seed: 4})
	machines, _ := runHosted(t, prog, host, effects.DeriveSessionID("hosted-replay", 1))
	for _, role := range prog.Protocol.Roles {
		recorded := machines[role].Trace()
		replayed, err := Replay(context.Background(), prog, recorded)
		if err != nil {
			t.Fatalf("%s: %v", role, err)
		}
		if replayed.Trace().Hash() != recorded.Hash() {
			t.Fatalf("%s: replayed trace differs", role)
		}
	}
}

func determinismIndex(t *testing.T, err error) int {
	t.Helper()
	var f *Fault
	if !errors.As(err, &f) || f.Kind != FaultDeterminism {
		t.Fatalf("got %v, want a Determinism fault", err)
	}
	return f.Index
}

// TestReplayDivergence: a trace cut short, or with one entry's request
// changed, fails replay with a Determinism fault at exactly that index.
func TestReplayDivergence(t *testing.T) {
	prog := compileExample(t, "guardian_recovery")
	full := recordGuardian(t, prog, 42)
	n := len(full.Entries)
	t.Run("truncated", func(t *testing.T) {
		for _, k := range []int{0, 1, n / 3, n / 2, n - 1} {
			tr := &trace.Trace{Header: full.Header, Entries: full.Entries[:k]}
			_, err := Replay(context.Background(), prog, tr)
			if got := determinismIndex(t, err); got != k {
				t.Errorf("cut at %d: diverged at %d: %v", k, got, err)
			}
		}
	})
	t.Run("mutated", func(t *testing.T) {
		mutations := map[trace.EffectKind]func(e *trace.Entry){
			trace.KindInvoke:  func(e *trace.Entry) { e.Inputs = effects.Map(map[string]effects.Value{"tampered": effects.Bool(true)}) },
			trace.KindSend:    func(e *trace.Entry) { e.Operation = "Forged" },
			trace.KindRecv:    func(e *trace.Entry) { e.Peer = "Guardian[9]" },
			trace.KindRandom:  func(e *trace.Entry) { e.Inputs = effects.Int(31) },
			trace.KindDecide:  func(e *trace.Entry) { e.Inputs = effects.List(effects.String("Approve")) },
			trace.KindNow:     func(e *trace.Entry) { e.OrderingKey++ },
			trace.KindPayload: func(e *trace.Entry) { e.Role = "Guardian[0]" },
		}
		tested := 0
		for i := range full.Entries {
			mutate, ok := mutations[full.Entries[i].Kind]
			if !ok {
				continue
			}
			tested++
			entries := append([]trace.Entry(nil), full.Entries...)
			mutate(&entries[i])
			_, err := Replay(context.Background(), prog, &trace.Trace{Header: full.Header, Entries: entries})
			if got := determinismIndex(t, err); got != i {
				t.Errorf("%s at %d: diverged at %d: %v", full.Entries[i].Kind, i, got, err)
			}
		}
		if tested < 10 {
			t.Fatalf("only %d entries mutated", tested)
		}
	})
	t.Run("altered file", func(t *testing.T) {
		lines := strings.SplitAfter(string(encode(t, full)), "\n")
		for _, i := range []int{0, 5, n - 1} {
			altered := append([]string(nil), lines...)
			altered[1+i] = strings.Replace(altered[1+i], `"ordering_key":`, `"ordering_key":1`, 1)
			_, err := ReadTrace(strings.NewReader(strings.Join(altered, "")))
			if got := determinismIndex(t, err); got != i {
				t.Errorf("line of entry %d altered: reported at %d", i, got)
			}
			dropped := append(append([]string(nil), lines[:1+i]...), lines[2+i:]...)
			_, err = ReadTrace(strings.NewReader(strings.Join(dropped, "")))
			if i < n-1 {
				if got := determinismIndex(t, err); got != i {
					t.Errorf("entry %d dropped: reported at %d", i, got)
				}
			}
		}
	})
}

// TestGranularity: topology_only keeps the messages and decisions without
// values; disabled keeps nothing; neither changes the run.
func TestGranularity(t *testing.T) {
	prog := compileExample(t, "two_phase_commit")
	run := func(g policy.Granularity) *Machine {
		host := NewRegistryEffects(RegistryEffectsConfig{Seed: 2})
		m, err := RunSession(context.Background(), prog, Config{Effects: host, Granularity: g})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	full, topo, off := run(policy.Full), run(policy.TopologyOnly), run(policy.Disabled)
	if off.Trace() != nil {
		t.Fatal("disabled tracing recorded a trace")
	}
	var want []string
	for _, e := range full.Trace().Entries {
		switch e.Kind {
		case trace.KindSend, trace.KindRecv, trace.KindDecide:
			want = append(want, string(e.Kind)+" "+e.Role+" "+e.Operation)
		}
	}
	var got []string
	for _, e := range topo.Trace().Entries {
		got = append(got, string(e.Kind)+" "+e.Role+" "+e.Operation)
		if e.Kind == trace.KindSend && !e.Inputs.IsNull() || e.Kind == trace.KindRecv && !e.Outputs.IsNull() {
			t.Errorf("topology entry keeps a payload: %+v", e)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("topology trace:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if a, _ := full.Steps(); a != func() uint64 { s, _ := off.Steps(); return s }() {
		t.Fatal("tracing changed the number of steps")
	}
}

// TestCanonicalOrder: a machine records entries in canonical order, and
// SortCanonical restores it after a shuffle.
func TestCanonicalOrder(t *testing.T) {
	tr := recordGuardian(t, compileExample(t, "guardian_recovery"), 1)
	for i := 1; i < len(tr.Entries); i++ {
		if trace.CompareEntries(&tr.Entries[i-1], &tr.Entries[i]) >= 0 {
			t.Fatalf("entries %d and %d out of canonical order", i-1, i)
		}
	}
	shuffled := append([]trace.Entry(nil), tr.Entries...)
	rng := splitmix(5)
	for i := len(shuffled) - 1; i > 0; i-- {
		j := rng.intn(i + 1)
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	}
	trace.SortCanonical(shuffled)
	if (&trace.Trace{Entries: shuffled}).Hash() != tr.Hash() {
		t.Fatal("SortCanonical did not restore the recorded order")
	}
}
