package sim_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/host/internal/hosttest"
	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/sim/bundle"
)

const pingPongRun = hosttest.PingPongRun

func readBack(t *testing.T, out *sim.Outcome) *bundle.Bundle {
	t.Helper()
	b, err := bundle.Read("pp.jsonl", out.Bundle.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBundleReadsBackWithTheSameHash: the reader splits what the writer
// wrote, finds each machine's trace, and hashes the bytes as the writer
// did (one hash function).
func TestBundleReadsBackWithTheSameHash(t *testing.T) {
	out := simulate(t, simBase+pingPongRun, 7)
	b := readBack(t, out)
	if b.Hash() != out.Bundle.Hash() {
		t.Errorf("read-back hash %s, written %s", b.Hash(), out.Bundle.Hash())
	}
	if b.Header.Format != sim.BundleFormat || b.Header.Seed != 7 || len(b.Traces) != 2 {
		t.Fatalf("header %+v, %d traces", b.Header, len(b.Traces))
	}
	if o := b.Outcomes["pp"]; o.Status != "ok" {
		t.Errorf("outcome %+v", o)
	}
	if err := b.CheckDigests(); err != nil {
		t.Fatal(err)
	}
	for _, r := range b.Replay(context.Background()) {
		if r.Status != session.Replayed {
			t.Errorf("%s/%s: status %d, fault %v, err %v", r.Run, r.Role, r.Status, r.Fault, r.Err)
		}
	}
	if w := b.Where(b.Traces[0].First + 1); !strings.Contains(w, "entry 0") {
		t.Errorf("where: %s", w)
	}
}

// TestBundleAlteredLineIsFound: a changed line no longer chains; the
// reader names its line, and the replay diverges there.
func TestBundleAlteredLineIsFound(t *testing.T) {
	out := simulate(t, simBase+pingPongRun, 7)
	b := readBack(t, out)
	bt := b.Traces[0]
	i := bt.First + 2 // the trace's second entry
	b.Lines[i] = strings.Replace(b.Lines[i], `"ordering_key":`, `"ordering_key":9`, 1)
	err := b.CheckDigests()
	var te *bundle.TraceError
	if !errors.As(err, &te) || te.AlteredLine == 0 {
		t.Fatalf("altered line not found: %v\n%s", err, b.Lines[i])
	}
	if r := b.Replay(context.Background())[0]; r.Status != session.Diverged || r.Fault == nil {
		t.Errorf("replay of an altered trace: status %d, fault %v", r.Status, r.Fault)
	}
}

// TestDiffBundles: two seeds differ first at a line inside a machine's
// trace, not at the headers (which hold the seed); the same bundle is
// identical.
func TestDiffBundles(t *testing.T) {
	a := readBack(t, simulate(t, simBase+pingPongRun, 7))
	b := readBack(t, simulate(t, simBase+pingPongRun, 8))
	if d := bundle.Compare(a, a); !d.Identical {
		t.Error("a bundle differs from itself")
	}
	d := bundle.Compare(a, b)
	if d.Identical || len(d.Header) == 0 || d.Header[0].Field != "seed" {
		t.Fatalf("header diff %+v", d.Header)
	}
	if len(d.TraceHeaderFields) == 0 {
		t.Error("trace headers hold the seed, and do not differ")
	}
	if d.At >= 0 && d.At < len(a.Lines) && d.At < len(b.Lines) && len(d.Fields) == 0 {
		t.Errorf("divergence at line %d with no field", d.At+1)
	}
}

// TestBundleSaysWhenEachEntryHappened: each machine's {"trace":...} line
// carries the virtual time of its entries (bundle.TimeMark). In the
// slow reply, the sleeper's sleep and its Reply happen an hour after the
// Ask, and the asker receives the Reply then too.
func TestBundleSaysWhenEachEntryHappened(t *testing.T) {
	slow, _ := filepath.Abs("testdata/slow_reply.hcl")
	out := simulate(t, simBase+`
run "slow" {
  protocol = "`+slow+`"
  roles    = { Asker = "alice", Sleeper = "bob" }
  timeout  = "2h"
}
`, 1)
	b := readBack(t, out)
	hour := time.Hour.Milliseconds()
	for _, m := range b.Traces {
		tr, err := b.MachineTrace(m)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Times) == 0 {
			t.Fatalf("%s: no time marks on its trace line", m.Role)
		}
		at := func(i int) int64 { // the time of entry i
			ms := int64(-1)
			for _, mk := range m.Times {
				if mk.Entry <= i {
					ms = mk.Ms
				}
			}
			return ms
		}
		for i, e := range tr.Entries {
			when := at(i)
			var want int64
			switch {
			case e.Operation == "Ask":
				want = 0
			case e.Operation == "Reply", e.Operation == "clock.sleep_ms":
				want = hour
			default:
				continue
			}
			if when < want || when > want+1000 {
				t.Errorf("%s: entry %d (%s %s) at %dms, want %dms (within a second)", m.Role, i, e.Kind, e.Operation, when, want)
			}
		}
	}
}
