package simnetwork

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/sdk"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// datagramTrace drives the network without retransmission through every
// fault — drop, duplication, delays, reordering switched on and off,
// partitions that cut envelopes in flight, a clear — and writes down
// everything observable: each send's result, each tick's count, each
// envelope received with the time it was taken, and the counters.
func datagramTrace(t *testing.T, seed uint64) string {
	t.Helper()
	net := NewNetwork(seed)
	var b strings.Builder
	agents := []string{"a", "b", "c", "d"}
	set := func(f Faults) {
		if err := net.SetFaults(f); err != nil {
			t.Fatal(err)
		}
	}
	receiveAll := func() {
		for _, a := range agents {
			for {
				e, ok := net.Receive(s(a))
				if !ok {
					break
				}
				src, _ := e.Source.AsString()
				ctx, _ := e.Context.AsString()
				fmt.Fprintf(&b, "  %s <- %s %s/%s\n", a, src, ctx, e.Payload)
			}
		}
	}
	tick := func(now int64) {
		n, err := net.Advance(now)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "tick %d: %d\n", now, n)
		receiveAll()
	}
	counters := func() {
		st := net.Stats()
		fmt.Fprintf(&b, "stats sent=%d dropped=%d duplicated=%d delivered=%d in_flight=%d now=%d\n",
			st.Sent, st.Dropped, st.Duplicated, st.Delivered, st.InFlight, st.Now)
	}
	set(Faults{DropPerMille: 150, DuplicatePerMille: 100, MaxDelayMS: 30})
	for i := range 400 {
		switch i {
		case 100:
			set(Faults{DropPerMille: 150, DuplicatePerMille: 100, MaxDelayMS: 30, Reorder: true})
		case 120:
			if err := net.Partition([]sdk.Value{s("a")}, []sdk.Value{s("b"), s("c")}); err != nil {
				t.Fatal(err)
			}
		case 180:
			set(Faults{DropPerMille: 150, DuplicatePerMille: 100, MinDelayMS: 10, MaxDelayMS: 30})
		case 220:
			net.Heal()
		case 260:
			if err := net.Partition([]sdk.Value{s("d")}, []sdk.Value{s("a")}); err != nil {
				t.Fatal(err)
			}
		case 300:
			net.Clear()
		case 320:
			set(Faults{DropPerMille: 300, MinDelayMS: 5, MaxDelayMS: 5})
		}
		src, dst := agents[i%4], agents[(i*3+1)%4]
		if src == dst {
			dst = agents[(i+2)%4]
		}
		r, err := net.Send(mustEnvelope(t, envelope(src, dst, fmt.Sprint("ctx", i%3), fmt.Sprint(i))))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "send %s->%s %d: seq=%d copies=%d at=%d\n", src, dst, i, r.Seq, r.Copies, r.DeliverAt)
		if i%7 == 6 {
			tick(int64(i))
		}
	}
	counters()
	for {
		at, ok := net.NextDelivery()
		if !ok {
			break
		}
		tick(at)
	}
	counters()
	return b.String()
}

// TestDatagramBehaviourIsUnchanged: without retransmission the network
// behaves exactly as it did before retransmission existed. The golden file
// was written by the network as it was then; -update rewrites it, which
// is only right when the datagram behaviour is meant to change.
func TestDatagramBehaviourIsUnchanged(t *testing.T) {
	t.Parallel()
	got := datagramTrace(t, 9)
	path := filepath.Join("testdata", "datagram_seed9.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		g, w := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Fatalf("%s differs at line %d:\n got %s\nwant %s", path, i+1, g[i], w[i])
			}
		}
		t.Fatalf("%s differs in length: got %d lines, want %d", path, len(g), len(w))
	}
}
