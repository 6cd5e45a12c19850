package simnetwork

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/networkops"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

var args, mustInvoke = plugintest.Args, plugintest.Must

func s(x string) sdk.Value { return sdk.String(x) }

func envelope(src, dst, ctx, payload string) sdk.Value {
	return args("source", s(src), "destination", s(dst), "context", s(ctx), "payload", sdk.Bytes([]byte(payload)))
}

var alice = effects.DeriveAuthorityID("alice", 0)

func TestConformance(t *testing.T) {
	t.Parallel()
	sdktest.Conformance(t, New(), sdktest.WithAuthority(alice),
		sdktest.WithSample(effects.NetworkSendEnvelope, args("envelope", envelope("a", "b", "c", "hi"))),
		sdktest.WithSample(effects.NetworkReceiveEnvelopeFrom, args("source", s("a"), "context", s("c"))),
		sdktest.WithSample(effects.NetworkIsChannelEstablished, args("context", s("c"), "peer", s("b"))),
		sdktest.WithSample(effects.NetworkControlLink, args("source", s("a"), "destination", s("b"))),
		sdktest.WithSample(effects.TransportLearnPeer, learnArgs(signed(t, effects.DeriveAuthorityID("bob", 0), deviceKey(1), 0, 1))),
	)
}

func sent(seq uint64, at int64) sdk.Value {
	return SendResult{Seq: seq, Copies: 1, DeliverAt: at}.Value()
}

func TestDeliveryFollowsVirtualTime(t *testing.T) {
	t.Parallel()
	e1 := envelope("a", "b", "ctx", "one")
	e2 := args("source", s("a"), "destination", s("b"), "context", s("ctx"), "payload", sdk.Bytes([]byte("two")),
		"metadata", args("k", sdk.Int(1)), "receipt", sdk.Bytes([]byte{1, 2}))
	// No authority: the test drives the network as its owner, for any endpoint.
	h := sdktest.New(t, New())
	plugintest.Run(t, h, []plugintest.Step{
		{Op: effects.NetworkFaultsSetDelay, Args: args("min_ms", sdk.Int(10), "max_ms", sdk.Int(10)), Want: sdk.Null()},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", e1), Want: sent(1, 10)},
		{Op: effects.NetworkReceiveEnvelope, Args: args("destination", s("b")), Want: sdk.Null()},
		{Op: effects.NetworkControlNextDelivery, Args: sdk.Null(), Want: sdk.Int(10)},
		{Op: effects.NetworkControlTick, Args: args("now_ms", sdk.Int(9)), Want: sdk.Int(0)},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", e2), Want: sent(2, 19)},
		{Op: effects.NetworkReceiveEnvelope, Args: args("destination", s("b")), Want: sdk.Null()},
		{Op: effects.NetworkControlTick, Args: args("now_ms", sdk.Int(10)), Want: sdk.Int(1)},
		{Op: effects.NetworkIsChannelEstablished, Args: args("self", s("b"), "peer", s("a"), "context", s("ctx")), Want: sdk.Bool(true)},
		{Op: effects.NetworkIsChannelEstablished, Args: args("self", s("a"), "peer", s("b"), "context", s("ctx")), Want: sdk.Bool(true)},
		{Op: effects.NetworkIsChannelEstablished, Args: args("self", s("a"), "peer", s("b"), "context", s("other")), Want: sdk.Bool(false)},
		{Op: effects.NetworkReceiveEnvelope, Args: args("destination", s("b")), Want: e1},
		{Op: effects.NetworkReceiveEnvelope, Args: args("destination", s("b")), Want: sdk.Null()},
		{Op: effects.NetworkControlTick, Args: args("now_ms", sdk.Int(100)), Want: sdk.Int(1)},
		{Op: effects.NetworkReceiveEnvelope, Args: args("destination", s("b")), Want: e2},
		{Op: effects.NetworkControlNextDelivery, Args: sdk.Null(), Want: sdk.Null()},
		{Op: effects.NetworkControlTick, Args: args("now_ms", sdk.Int(99)), Code: sdk.CodeConflict, Message: "only moves forward"},
		{Op: effects.NetworkControlStats, Args: sdk.Null(), Want: Stats{Sent: 2, Delivered: 2, Now: 100}.Value()},
	})
}

func TestReceiveFromAndDefaults(t *testing.T) {
	t.Parallel()
	me := sdk.Bytes(alice[:])
	toMe := func(src, ctx, payload string) sdk.Value {
		return args("source", s(src), "destination", me, "context", s(ctx), "payload", sdk.Bytes([]byte(payload)))
	}
	h := sdktest.New(t, New(), sdktest.WithAuthority(alice))
	plugintest.Run(t, h, []plugintest.Step{
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", toMe("bob", "c1", "1")), Want: sent(1, 0)},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", toMe("carol", "c1", "2")), Want: sent(2, 0)},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", toMe("bob", "c2", "3")), Want: sent(3, 0)},
		{Op: effects.NetworkReceiveEnvelopeFrom, Args: args("source", s("bob"), "context", s("c2")), Want: toMe("bob", "c2", "3")},
		{Op: effects.NetworkReceiveEnvelopeFrom, Args: args("source", s("bob"), "context", s("c2")), Want: sdk.Null()},
		{Op: effects.NetworkReceiveEnvelopeFrom, Args: args("source", sdk.Bytes([]byte("bob")), "context", s("c1")), Want: sdk.Null()},
		{Op: effects.NetworkReceiveEnvelope, Args: sdk.Null(), Want: toMe("bob", "c1", "1")},
		{Op: effects.NetworkReceiveEnvelope, Args: args("destination", me), Want: toMe("carol", "c1", "2")},
		{Op: effects.NetworkConnectedPeers, Args: sdk.Null(), Want: sdk.List(s("bob"), s("carol"))},
		// Strings sort before bytes: the order is by canonical encoding.
		{Op: effects.NetworkConnectedPeers, Args: args("self", s("bob")), Want: sdk.List(s("carol"), me)},
		{Op: effects.NetworkIsChannelEstablished, Args: args("peer", s("carol"), "context", s("c1")), Want: sdk.Bool(true)},
	})
}

func TestInvalidArguments(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, New())
	big := envelope("a", "b", "c", strings.Repeat("x", networkops.MaxPayload+1))
	plugintest.Run(t, h, []plugintest.Step{
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", envelope("a", "b", "c", strings.Repeat("x", networkops.MaxPayload))), Want: sent(1, 0)},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", big), Code: sdk.CodeInvalidArgs, Message: "payload is 65537 bytes"},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", args("source", s("a"), "context", s(""), "payload", sdk.Bytes(nil))), Code: sdk.CodeInvalidArgs, Message: "destination must be"},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", args("source", s("a"), "destination", s("b"), "context", s(""), "payload", sdk.Bytes(nil), "extra", sdk.Null())), Code: sdk.CodeInvalidArgs, Message: `no field "extra"`},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", args("source", s("a"), "destination", s("b"), "context", s(""), "payload", s("text"))), Code: sdk.CodeInvalidArgs, Message: "payload must be bytes"},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", args("source", s(""), "destination", s("b"), "context", s(""), "payload", sdk.Bytes(nil))), Code: sdk.CodeInvalidArgs, Message: "source must be"},
		{Op: effects.NetworkReceiveEnvelope, Args: sdk.Null(), Code: sdk.CodeInvalidArgs, Message: "no authority to default to"},
		{Op: effects.NetworkReceiveEnvelope, Args: args("destination", sdk.Int(1)), Code: sdk.CodeInvalidArgs, Message: "destination must be"},
		{Op: effects.NetworkFaultsSetDropRate, Args: args("per_mille", sdk.Int(1001)), Code: sdk.CodeInvalidArgs, Message: "drop rate"},
		{Op: effects.NetworkFaultsSetDelay, Args: args("min_ms", sdk.Int(5), "max_ms", sdk.Int(4)), Code: sdk.CodeInvalidArgs, Message: "delay"},
		{Op: effects.NetworkFaultsPartition, Args: args("a", sdk.List(sdk.Int(1)), "b", sdk.List()), Code: sdk.CodeInvalidArgs, Message: "endpoint"},
	})
}

// order sends n envelopes on one link with delays drawn from [0, 100] and
// returns the payload indexes in the order they are received.
func order(t *testing.T, reorder bool, n int) []int {
	net := NewNetwork(3)
	if err := net.SetFaults(Faults{MaxDelayMS: 100, Reorder: reorder}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := net.Send(mustEnvelope(t, envelope("a", "b", "c", fmt.Sprint(i)))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := net.Advance(100); err != nil {
		t.Fatal(err)
	}
	var got []int
	for {
		e, ok := net.Receive(s("b"))
		if !ok {
			return got
		}
		var i int
		fmt.Sscan(string(e.Payload), &i)
		got = append(got, i)
	}
}

func mustEnvelope(t *testing.T, v sdk.Value) Envelope {
	t.Helper()
	e, err := networkops.ParseEnvelope(v)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestLinksAreFIFOUnlessReordering(t *testing.T) {
	t.Parallel()
	fifo := order(t, false, 50)
	if len(fifo) != 50 || !slices.IsSorted(fifo) {
		t.Fatalf("without reordering the link delivered %v", fifo)
	}
	mixed := order(t, true, 50)
	if len(mixed) != 50 || slices.IsSorted(mixed) {
		t.Fatalf("with reordering and random delays the link delivered in send order: %v", mixed)
	}
	if again := order(t, true, 50); !slices.Equal(mixed, again) {
		t.Fatal("the same seed reordered differently")
	}
}

func TestDropAndDuplicateRates(t *testing.T) {
	t.Parallel()
	count := func(f Faults) (received int, st Stats) {
		net := NewNetwork(11)
		if err := net.SetFaults(f); err != nil {
			t.Fatal(err)
		}
		for range 1000 {
			if _, err := net.Send(mustEnvelope(t, envelope("a", "b", "c", ""))); err != nil {
				t.Fatal(err)
			}
		}
		for {
			if _, ok := net.Receive(s("b")); !ok {
				return received, net.Stats()
			}
			received++
		}
	}
	// Seeded: these counts are the same on every run; the bounds only
	// check that the rates mean what they say.
	if n, _ := count(Faults{DropPerMille: 1000}); n != 0 {
		t.Fatalf("%d received at a drop rate of 1000", n)
	}
	if n, st := count(Faults{DropPerMille: 100}); n < 850 || n > 950 || st.Dropped != int64(1000-n) {
		t.Fatalf("%d received at a drop rate of 100 (stats %+v)", n, st)
	}
	if n, st := count(Faults{DuplicatePerMille: 1000}); n != 2000 || st.Duplicated != 1000 {
		t.Fatalf("%d received at a duplicate rate of 1000 (stats %+v)", n, st)
	}
}

func TestPartitions(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, New())
	self := func(x string) sdk.Value { return args("self", s(x)) }
	plugintest.Run(t, h, []plugintest.Step{
		{Op: effects.NetworkFaultsSetDelay, Args: args("min_ms", sdk.Int(5), "max_ms", sdk.Int(5)), Want: sdk.Null()},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", envelope("a", "b", "c", "in flight")), Want: sent(1, 5)},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", envelope("c", "a", "c", "")), Want: sent(2, 5)},
		{Op: effects.NetworkFaultsPartition, Args: args("a", sdk.List(s("a")), "b", sdk.List(s("b"), s("d"))), Want: sdk.Null()},
		{Op: effects.NetworkConnectedPeers, Args: self("a"), Want: sdk.List(s("c"))},
		{Op: effects.NetworkConnectedPeers, Args: self("b"), Want: sdk.List(s("c"), s("d"))}, // b and d are on one side
		{Op: effects.NetworkConnectedPeers, Args: self("c"), Want: sdk.List(s("a"), s("b"), s("d"))},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", envelope("b", "a", "c", "")),
			Want: SendResult{Seq: 3}.Value()},
		{Op: effects.NetworkControlTick, Args: args("now_ms", sdk.Int(5)), Want: sdk.Int(1)}, // the in-flight a→b is lost
		{Op: effects.NetworkReceiveEnvelope, Args: args("destination", s("b")), Want: sdk.Null()},
		{Op: effects.NetworkReceiveEnvelope, Args: args("destination", s("a")), Want: envelope("c", "a", "c", "")},
		{Op: effects.NetworkFaultsHeal, Args: sdk.Null(), Want: sdk.Null()},
		{Op: effects.NetworkConnectedPeers, Args: self("a"), Want: sdk.List(s("b"), s("c"), s("d"))},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", envelope("b", "a", "c", "after")), Want: sent(4, 10)},
		{Op: effects.NetworkControlTick, Args: args("now_ms", sdk.Int(10)), Want: sdk.Int(1)},
		{Op: effects.NetworkIsChannelEstablished, Args: args("self", s("a"), "peer", s("b"), "context", s("c")), Want: sdk.Bool(true)},
		{Op: effects.NetworkFaultsPartition, Args: args("a", sdk.List(s("b")), "b", sdk.List(s("a"))), Want: sdk.Null()},
		{Op: effects.NetworkIsChannelEstablished, Args: args("self", s("a"), "peer", s("b"), "context", s("c")), Want: sdk.Bool(false)},
		{Op: effects.NetworkFaultsClear, Args: sdk.Null(), Want: sdk.Null()},
		{Op: effects.NetworkIsChannelEstablished, Args: args("self", s("a"), "peer", s("b"), "context", s("c")), Want: sdk.Bool(true)},
		{Op: effects.NetworkControlStats, Args: sdk.Null(), Want: Stats{Sent: 4, Dropped: 2, Delivered: 2, Now: 10}.Value()},
	})
}

// simulate runs a fixed script over the wire — three agents exchanging
// 300 envelopes with every fault on, the simulator ticking time — and
// returns everything observable: send results, deliveries per tick and the
// envelopes received, in order.
func simulate(t *testing.T, seed uint64) []sdk.Value {
	h := sdktest.New(t, New(), sdktest.WithMode(sdk.Simulation, seed))
	agents := []string{"alice", "bob", "carol"}
	var trace []sdk.Value
	record := func(op sdk.OpID, a sdk.Value) { trace = append(trace, mustInvoke(t, h, op, a)) }
	record(effects.NetworkFaultsSetDropRate, args("per_mille", sdk.Int(100)))
	record(effects.NetworkFaultsSetDuplicateRate, args("per_mille", sdk.Int(50)))
	record(effects.NetworkFaultsSetDelay, args("min_ms", sdk.Int(1), "max_ms", sdk.Int(40)))
	record(effects.NetworkFaultsSetReorder, args("enabled", sdk.Bool(true)))
	for i := range 300 {
		src, dst := agents[i%3], agents[(i*7+1)%3]
		if src == dst {
			dst = agents[(i+1)%3]
		}
		record(effects.NetworkSendEnvelope, args("envelope", envelope(src, dst, fmt.Sprint("ctx", i%4), fmt.Sprint(i))))
		if i == 150 {
			record(effects.NetworkFaultsPartition, args("a", sdk.List(s("alice")), "b", sdk.List(s("bob"))))
		}
		if i == 200 {
			record(effects.NetworkFaultsHeal, sdk.Null())
		}
		if i%10 == 9 {
			record(effects.NetworkControlTick, args("now_ms", sdk.Int(int64(i))))
			for _, a := range agents {
				for {
					v := mustInvoke(t, h, effects.NetworkReceiveEnvelope, args("destination", s(a)))
					trace = append(trace, v)
					if v.IsNull() {
						break
					}
				}
			}
		}
	}
	record(effects.NetworkControlStats, sdk.Null())
	return trace
}

func TestSameSeedSameDeliveries(t *testing.T) {
	t.Parallel()
	a, b := simulate(t, 5), simulate(t, 5)
	if !slices.EqualFunc(a, b, sdk.Value.Equal) {
		t.Fatal("the same seed and calls gave different deliveries")
	}
	if c := simulate(t, 6); slices.EqualFunc(a, c, sdk.Value.Equal) {
		t.Fatal("different seeds gave identical deliveries")
	}
}

// TestAgentsShareOneNetworkInProcess runs two agents' plugin instances on
// one Network, each receiving at its authority's address by default, with
// the host driving time through Advance.
func TestAgentsShareOneNetworkInProcess(t *testing.T) {
	t.Parallel()
	net := NewNetwork(1)
	bob := effects.DeriveAuthorityID("bob", 0)
	ha := sdktest.New(t, NewWithNetwork(net), sdktest.WithAuthority(alice))
	hb := sdktest.New(t, NewWithNetwork(net), sdktest.WithAuthority(bob))
	if err := net.SetFaults(Faults{MinDelayMS: 3, MaxDelayMS: 3}); err != nil {
		t.Fatal(err)
	}
	env := args("source", sdk.Bytes(alice[:]), "destination", sdk.Bytes(bob[:]), "context", s("c"), "payload", sdk.Bytes([]byte("ping")))
	mustInvoke(t, ha, effects.NetworkSendEnvelope, args("envelope", env))
	if peers := mustInvoke(t, hb, effects.NetworkConnectedPeers, sdk.Null()); !peers.Equal(sdk.List(sdk.Bytes(alice[:]))) {
		t.Fatalf("bob's peers: %v", peers)
	}
	if v := mustInvoke(t, hb, effects.NetworkReceiveEnvelope, sdk.Null()); !v.IsNull() {
		t.Fatalf("received %v before its time", v)
	}
	if n, err := net.Advance(3); err != nil || n != 1 {
		t.Fatalf("Advance = %d, %v", n, err)
	}
	if v := mustInvoke(t, hb, effects.NetworkReceiveEnvelope, sdk.Null()); !v.Equal(env) {
		t.Fatalf("bob received %v", v)
	}
	if ok, _ := mustInvoke(t, ha, effects.NetworkIsChannelEstablished, args("context", s("c"), "peer", sdk.Bytes(bob[:]))).AsBool(); !ok {
		t.Fatal("alice sees no channel to bob after a delivery")
	}
}

// TestFaultsReadBack: what SetFaults and UpdateFaults set, Faults reads;
// an invalid update changes nothing.
func TestFaultsReadBack(t *testing.T) {
	t.Parallel()
	net := NewNetwork(0)
	set := Faults{DropPerMille: 10, MinDelayMS: 1, MaxDelayMS: 100}
	if err := net.SetFaults(set); err != nil {
		t.Fatal(err)
	}
	if err := net.UpdateFaults(func(f *Faults) { f.RetransmitMS = 50 }); err != nil {
		t.Fatal(err)
	}
	want := set
	want.RetransmitMS = 50
	if got := net.Faults(); got != want {
		t.Fatalf("Faults() = %+v, want %+v", got, want)
	}
	if err := net.UpdateFaults(func(f *Faults) { f.DropPerMille = 1001 }); err == nil {
		t.Fatal("UpdateFaults accepted a drop rate over 1000 per mille")
	}
	if got := net.Faults(); got != want {
		t.Fatalf("after a refused update Faults() = %+v, want %+v", got, want)
	}
}

// TestReceiveIsBoundToTheCaller: on a network shared by two agents, alice
// asking for bob's mail is refused (denied) and takes nothing; bob still
// receives his envelope afterwards.
func TestReceiveIsBoundToTheCaller(t *testing.T) {
	t.Parallel()
	net := NewNetwork(1)
	bob := effects.DeriveAuthorityID("bob", 0)
	ha := sdktest.New(t, NewWithNetwork(net), sdktest.WithAuthority(alice))
	hb := sdktest.New(t, NewWithNetwork(net), sdktest.WithAuthority(bob))
	env := args("source", sdk.Bytes(alice[:]), "destination", sdk.Bytes(bob[:]), "context", s("c"), "payload", sdk.Bytes([]byte("for bob")))
	mustInvoke(t, ha, effects.NetworkSendEnvelope, args("envelope", env))
	for _, dst := range []sdk.Value{sdk.Bytes(bob[:]), s("bob")} {
		plugintest.Run(t, ha, []plugintest.Step{
			{Op: effects.NetworkReceiveEnvelope, Args: args("destination", dst), Code: sdk.CodeDenied, Message: "only the caller's own mail"},
			{Op: effects.NetworkReceiveEnvelopeFrom, Args: args("destination", dst, "source", sdk.Bytes(alice[:]), "context", s("c")),
				Code: sdk.CodeDenied, Message: "only the caller's own mail"},
		})
	}
	if v := mustInvoke(t, hb, effects.NetworkReceiveEnvelope, sdk.Null()); !v.Equal(env) {
		t.Fatalf("bob received %v after alice's refused receives, want his envelope", v)
	}
}
