package simnetwork

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

// TestRetransmissionHoldsTheLinkInOrder walks through head-of-line
// blocking over the wire: a lost envelope holds back a later one on its
// link until its retransmission gets through, next_delivery points at the
// retransmission, and stats count it.
func TestRetransmissionHoldsTheLinkInOrder(t *testing.T) {
	t.Parallel()
	e1, e2, e3 := envelope("a", "b", "c", "1"), envelope("a", "b", "c", "2"), envelope("c", "b", "c", "3")
	stats := func(st Stats) sdk.Value { return st.Value() }
	h := sdktest.New(t, New())
	plugintest.Run(t, h, []plugintest.Step{
		{Op: effects.NetworkFaultsSetRetransmit, Args: args("rto_ms", sdk.Int(10)), Want: sdk.Null()},
		{Op: effects.NetworkFaultsSetDropRate, Args: args("per_mille", sdk.Int(1000)), Want: sdk.Null()},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", e1), Want: SendResult{Seq: 1}.Value()},
		{Op: effects.NetworkFaultsSetDropRate, Args: args("per_mille", sdk.Int(0)), Want: sdk.Null()},
		{Op: effects.NetworkFaultsSetDelay, Args: args("min_ms", sdk.Int(1), "max_ms", sdk.Int(1)), Want: sdk.Null()},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", e2), Want: sent(2, 1)},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", e3), Want: sent(3, 1)}, // another link: not held
		{Op: effects.NetworkControlNextDelivery, Args: sdk.Null(), Want: sdk.Int(1)},
		{Op: effects.NetworkControlTick, Args: args("now_ms", sdk.Int(1)), Want: sdk.Int(1)},
		{Op: effects.NetworkReceiveEnvelope, Args: args("destination", s("b")), Want: e3},
		{Op: effects.NetworkReceiveEnvelope, Args: args("destination", s("b")), Want: sdk.Null()}, // e2 waits for e1
		{Op: effects.NetworkControlNextDelivery, Args: sdk.Null(), Want: sdk.Int(10)},             // e1's retransmission
		{Op: effects.NetworkControlStats, Args: sdk.Null(), Want: stats(Stats{Sent: 3, Dropped: 1, Delivered: 1, InFlight: 2, Now: 1})},
		{Op: effects.NetworkControlTick, Args: args("now_ms", sdk.Int(10)), Want: sdk.Int(0)}, // retransmitted, arrives at 11
		{Op: effects.NetworkControlNextDelivery, Args: sdk.Null(), Want: sdk.Int(11)},
		{Op: effects.NetworkControlTick, Args: args("now_ms", sdk.Int(11)), Want: sdk.Int(2)},
		{Op: effects.NetworkReceiveEnvelope, Args: args("destination", s("b")), Want: e1},
		{Op: effects.NetworkReceiveEnvelope, Args: args("destination", s("b")), Want: e2},
		{Op: effects.NetworkControlNextDelivery, Args: sdk.Null(), Want: sdk.Null()},
		{Op: effects.NetworkControlStats, Args: sdk.Null(), Want: stats(Stats{Sent: 3, Retransmissions: 1, Dropped: 1, Delivered: 3, Now: 11, Reordered: 2})}, // 1 and 2 came after 3, sent later to b on another link
		{Op: effects.NetworkFaultsSetRetransmit, Args: args("rto_ms", sdk.Int(-1)), Code: sdk.CodeInvalidArgs, Message: "retransmission timeout"},
	})
}

// TestTurningRetransmissionOffReleasesTheLink: a retransmission scheduled
// before retransmission was turned off happens once more; when it is lost
// the envelope is gone and the link no longer waits for it.
func TestTurningRetransmissionOffReleasesTheLink(t *testing.T) {
	t.Parallel()
	net := NewNetwork(1)
	mustSet(t, net, Faults{DropPerMille: 1000, RetransmitMS: 10})
	send(t, net, "a", "b", "lost")
	mustSet(t, net, Faults{DropPerMille: 0, RetransmitMS: 10})
	send(t, net, "a", "b", "held")
	if got := receiveAll(net, "b"); len(got) != 0 {
		t.Fatalf("received %v while the first envelope is being retransmitted", got)
	}
	mustSet(t, net, Faults{DropPerMille: 1000})
	if n, err := net.Advance(10); err != nil || n != 1 {
		t.Fatalf("Advance = %d, %v; want the held envelope delivered", n, err)
	}
	if got := receiveAll(net, "b"); !slices.Equal(got, []string{"held"}) {
		t.Fatalf("received %v, want [held]", got)
	}
	if st := net.Stats(); st.InFlight != 0 || st.Retransmissions != 1 || st.Dropped != 2 {
		t.Fatalf("stats %+v", st)
	}
	if _, ok := net.NextDelivery(); ok {
		t.Fatal("something is still scheduled")
	}
}

// TestReorderedEnvelopesDoNotWait: with reordering on, a later envelope
// overtakes one being retransmitted.
func TestReorderedEnvelopesDoNotWait(t *testing.T) {
	t.Parallel()
	net := NewNetwork(1)
	mustSet(t, net, Faults{DropPerMille: 1000, Reorder: true, RetransmitMS: 10})
	send(t, net, "a", "b", "first")
	mustSet(t, net, Faults{Reorder: true, RetransmitMS: 10})
	send(t, net, "a", "b", "second")
	if got := receiveAll(net, "b"); !slices.Equal(got, []string{"second"}) {
		t.Fatalf("received %v, want [second] at once", got)
	}
	if _, err := net.Advance(10); err != nil {
		t.Fatal(err)
	}
	if got := receiveAll(net, "b"); !slices.Equal(got, []string{"first"}) {
		t.Fatalf("received %v, want [first] after its retransmission", got)
	}
}

// delivery is one envelope taken from an inbox, and when.
type delivery struct {
	at       int64
	src, dst string
	index    int
}

// exchange runs a long exchange between four agents — sendsPerAgent
// envelopes each, to peers in turn, one send a millisecond — over a
// network with the given faults, optionally partitioned from partitionAt
// to healAt. step says how the simulator moves time: 1 ticks every
// millisecond; 0 jumps from event to event with NextDelivery. It returns
// every delivery, in the order taken, and the final stats.
func exchange(t *testing.T, seed uint64, f Faults, sends int, partitionAt, healAt int64, step int64) ([]delivery, Stats) {
	t.Helper()
	net := NewNetwork(seed)
	mustSet(t, net, f)
	agents := []string{"alice", "bob", "carol", "dave"}
	var out []delivery
	take := func() {
		for _, a := range agents {
			for {
				e, ok := net.Receive(s(a))
				if !ok {
					break
				}
				src, _ := e.Source.AsString()
				i, err := strconv.Atoi(string(e.Payload))
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, delivery{at: net.Now(), src: src, dst: a, index: i})
			}
		}
	}
	// advance moves to target, stopping at every event on the way when
	// jumping, or at every millisecond when ticking.
	advance := func(target int64) {
		for net.Now() < target {
			next := net.Now() + step
			if step == 0 {
				at, ok := net.NextDelivery()
				if !ok || at > target {
					at = target
				}
				next = max(at, net.Now())
			}
			if _, err := net.Advance(min(next, target)); err != nil {
				t.Fatal(err)
			}
			take()
		}
	}
	for i := range sends {
		now := int64(i)
		advance(now)
		switch now {
		case partitionAt:
			if err := net.Partition([]sdk.Value{s("alice"), s("bob")}, []sdk.Value{s("carol"), s("dave")}); err != nil {
				t.Fatal(err)
			}
		case healAt:
			net.Heal()
		}
		src := agents[i%4]
		dst := agents[(i%4+1+i/4%3)%4]
		send(t, net, src, dst, strconv.Itoa(i))
		take()
	}
	for {
		at, ok := net.NextDelivery()
		if !ok {
			break
		}
		advance(at)
	}
	return out, net.Stats()
}

// checkEveryEnvelopeOnceInOrder checks that each of n sends was delivered,
// once or (duplicated) twice in a row, and that each link delivered in
// send order.
func checkEveryEnvelopeOnceInOrder(t *testing.T, got []delivery, n int, st Stats) {
	t.Helper()
	count := make([]int, n)
	last := map[[2]string]int{}
	for _, d := range got {
		count[d.index]++
		link := [2]string{d.src, d.dst}
		prev, seen := last[link]
		switch {
		case seen && d.index == prev && count[d.index] == 2: // the duplicate, right after its original
		case seen && d.index <= prev:
			t.Fatalf("link %v delivered %d after %d", link, d.index, prev)
		}
		last[link] = d.index
	}
	twice := 0
	for i, c := range count {
		switch c {
		case 1:
		case 2:
			twice++
		default:
			t.Fatalf("envelope %d delivered %d times", i, c)
		}
	}
	if int64(twice) != st.Duplicated || st.Delivered != int64(n)+st.Duplicated || st.InFlight != 0 {
		t.Fatalf("%d duplicated envelopes; stats %+v", twice, st)
	}
}

func TestRetransmissionDeliversEveryEnvelopeOnceInOrder(t *testing.T) {
	t.Parallel()
	const n = 2000
	for _, f := range []Faults{
		{DropPerMille: 100, MinDelayMS: 1, MaxDelayMS: 30, RetransmitMS: 50},
		{DropPerMille: 100, DuplicatePerMille: 50, MaxDelayMS: 30, RetransmitMS: 7},
	} {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			got, st := exchange(t, 21, f, n, -1, -1, 0)
			checkEveryEnvelopeOnceInOrder(t, got, n, st)
			// Every lost transmission was retransmitted, and about one
			// transmission in ten was lost.
			if st.Retransmissions != st.Dropped || st.Dropped < n/20 || st.Dropped > n/5 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func TestRetransmissionIsReproducible(t *testing.T) {
	t.Parallel()
	f := Faults{DropPerMille: 100, DuplicatePerMille: 50, MinDelayMS: 1, MaxDelayMS: 40, RetransmitMS: 25}
	a, sa := exchange(t, 5, f, 800, 300, 450, 0)
	b, sb := exchange(t, 5, f, 800, 300, 450, 0)
	if !slices.Equal(a, b) || sa != sb {
		t.Fatal("the same seed and calls gave different delivery schedules")
	}
	// Retransmissions draw in event order, so ticking every millisecond
	// gives the schedule that jumping from event to event gives.
	if c, sc := exchange(t, 5, f, 800, 300, 450, 1); !slices.Equal(a, c) || sa != sc {
		t.Fatal("ticking every millisecond changed the delivery schedule")
	}
	if d, _ := exchange(t, 6, f, 800, 300, 450, 0); slices.Equal(a, d) {
		t.Fatal("different seeds gave identical delivery schedules")
	}
}

// TestPartitionThatHealsDeliversEverything: with retransmission on, a
// partition holds back what crosses it — sent during it, or in flight when
// it formed — and everything gets through, in order, once it heals.
func TestPartitionThatHealsDeliversEverything(t *testing.T) {
	t.Parallel()
	const n, partitionAt, healAt = 600, 200, 400
	f := Faults{DropPerMille: 100, MinDelayMS: 5, MaxDelayMS: 20, RetransmitMS: 15}
	got, st := exchange(t, 8, f, n, partitionAt, healAt, 0)
	checkEveryEnvelopeOnceInOrder(t, got, n, st)
	side := map[string]int{"alice": 0, "bob": 0, "carol": 1, "dave": 1}
	crossed, within := 0, 0
	for _, d := range got {
		if side[d.src] == side[d.dst] {
			if d.at > partitionAt && d.at < healAt {
				within++
			}
			continue
		}
		if d.at > partitionAt && d.at < healAt {
			t.Fatalf("envelope %d crossed the partition at %d", d.index, d.at)
		}
		if d.index >= partitionAt && d.index < healAt {
			if d.at <= healAt {
				t.Fatalf("envelope %d, sent across the partition, delivered at %d", d.index, d.at)
			}
			crossed++
		}
	}
	if crossed == 0 || within == 0 {
		t.Fatalf("%d envelopes crossed after the heal and %d stayed on one side during the partition; the test proves nothing", crossed, within)
	}
}

func mustSet(t *testing.T, net *Network, f Faults) {
	t.Helper()
	if err := net.SetFaults(f); err != nil {
		t.Fatal(err)
	}
}

func send(t *testing.T, net *Network, src, dst, payload string) SendResult {
	t.Helper()
	r, err := net.Send(mustEnvelope(t, envelope(src, dst, "c", payload)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func receiveAll(net *Network, dst string) []string {
	var got []string
	for {
		e, ok := net.Receive(s(dst))
		if !ok {
			return got
		}
		got = append(got, string(e.Payload))
	}
}
