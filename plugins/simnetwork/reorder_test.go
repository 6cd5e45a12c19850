package simnetwork

import (
	"testing"

	"github.com/aurahost/aura-host/sdk"
)

// sendAll sends n envelopes a → b, one per virtual millisecond, then runs
// the network until nothing is on its way, and returns the payloads in
// the order b received them with the network's stats.
func sendAll(t *testing.T, n *Network, count int) ([]string, Stats) {
	t.Helper()
	for i := range count {
		if _, err := n.Advance(int64(i)); err != nil {
			t.Fatal(err)
		}
		e := Envelope{Source: sdk.String("a"), Destination: sdk.String("b"), Context: sdk.String("c"), Payload: []byte{byte(i)}}
		if _, err := n.Send(e); err != nil {
			t.Fatal(err)
		}
	}
	for {
		at, ok := n.NextDelivery()
		if !ok {
			break
		}
		if _, err := n.Advance(at); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for {
		e, ok := n.Receive(sdk.String("b"))
		if !ok {
			return got, n.Stats()
		}
		got = append(got, string(rune('0'+e.Payload[0])))
	}
}

// A held-back envelope is overtaken by the ones sent after it on its
// link, even on a FIFO link with retransmission on, and the network
// counts each copy delivered after a later one.
func TestReorderRateHoldsEnvelopesBack(t *testing.T) {
	t.Parallel()
	n := NewNetwork(3)
	if err := n.SetFaults(Faults{ReorderPerMille: 300, ReorderHoldMS: 8, RetransmitMS: 100}); err != nil {
		t.Fatal(err)
	}
	got, st := sendAll(t, n, 20)
	if len(got) != 20 {
		t.Fatalf("delivered %d of 20: %v", len(got), got)
	}
	inversions, newest := int64(0), ""
	for _, p := range got {
		if p < newest {
			inversions++ // delivered after one sent later
		}
		newest = max(newest, p)
	}
	if inversions == 0 || st.Reordered == 0 {
		t.Fatalf("a 30%% hold-back reordered nothing: order %v, reordered %d", got, st.Reordered)
	}
	if st.Reordered != inversions || st.HeldOvertaken != inversions {
		t.Errorf("reordered = %d, held overtaken %d, but %d envelopes came after a later one: %v", st.Reordered, st.HeldOvertaken, inversions, got)
	}
	if l := n.Link(sdk.String("a"), sdk.String("b")); l.Reordered != st.Reordered {
		t.Errorf("link reordered %d, network %d (one link: the same)", l.Reordered, st.Reordered)
	}
}

// A rate of 0 takes nothing from the hold-back stream and reorders
// nothing, and turning the rate on moves none of the other faults' draws:
// the same seed drops the same sends.
func TestReorderRateLeavesOtherDrawsInPlace(t *testing.T) {
	t.Parallel()
	drops := func(f Faults) []bool {
		n := NewNetwork(9)
		if err := n.SetFaults(f); err != nil {
			t.Fatal(err)
		}
		var out []bool
		for i := range 50 {
			r, err := n.Send(Envelope{Source: sdk.String("a"), Destination: sdk.String("b"), Context: sdk.String("c"), Payload: []byte{byte(i)}})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r.Copies == 0)
		}
		return out
	}
	plain := drops(Faults{DropPerMille: 300})
	held := drops(Faults{DropPerMille: 300, ReorderPerMille: 500, ReorderHoldMS: 3})
	for i := range plain {
		if plain[i] != held[i] {
			t.Fatalf("send %d: dropped %v without hold-back, %v with it", i, plain[i], held[i])
		}
	}
	got, st := sendAll(t, NewNetwork(9), 20)
	if st.Reordered != 0 || len(got) != 20 {
		t.Errorf("without faults: reordered %d, delivered %v", st.Reordered, got)
	}
}

func TestReorderRateValidation(t *testing.T) {
	t.Parallel()
	for _, f := range []Faults{{ReorderPerMille: 1001, ReorderHoldMS: 1}, {ReorderPerMille: -1}, {ReorderPerMille: 10}, {ReorderHoldMS: -1}} {
		if err := f.Validate(); err == nil {
			t.Errorf("%+v: no error", f)
		}
	}
}
