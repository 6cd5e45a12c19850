package simnetwork

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/transport"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

func args(kv ...any) sdk.Value {
	m := map[string]sdk.Value{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(sdk.Value)
	}
	return sdk.Map(m)
}

func s(x string) sdk.Value { return sdk.String(x) }

func envelope(src, dst, ctx, payload string) sdk.Value {
	return args("source", s(src), "destination", s(dst), "context", s(ctx), "payload", sdk.Bytes([]byte(payload)))
}

func mustInvoke(t *testing.T, h *sdktest.Harness, op sdk.OpID, a sdk.Value) sdk.Value {
	t.Helper()
	v, err := h.Invoke(context.Background(), op, a)
	if err != nil {
		t.Fatalf("%s(%v): %v", op, a, err)
	}
	return v
}

var alice = effects.DeriveAuthorityID("alice", 0)

func TestConformance(t *testing.T) {
	sdktest.Conformance(t, New(), sdktest.WithAuthority(alice),
		sdktest.WithSample("network.send_envelope", args("envelope", envelope("a", "b", "c", "hi"))),
		sdktest.WithSample("network.receive_envelope_from", args("source", s("a"), "context", s("c"))),
		sdktest.WithSample("network.is_channel_established", args("context", s("c"), "peer", s("b"))),
	)
}

type step struct {
	op   sdk.OpID
	args sdk.Value
	want sdk.Value
	code sdk.Code
	msg  string
}

func run(t *testing.T, h *sdktest.Harness, steps []step) {
	t.Helper()
	for i, st := range steps {
		got, err := h.Invoke(context.Background(), st.op, st.args)
		if st.code != "" {
			var e *effects.Error
			if !errors.As(err, &e) || e.Code != st.code || !strings.Contains(e.Message, st.msg) {
				t.Fatalf("step %d %s(%v): got %v, %v; want %s error mentioning %q", i, st.op, st.args, got, err, st.code, st.msg)
			}
			continue
		}
		if err != nil || !got.Equal(st.want) {
			t.Fatalf("step %d %s(%v) = %v, %v; want %v", i, st.op, st.args, got, err, st.want)
		}
	}
}

func sent(seq uint64, at int64) sdk.Value {
	return SendResult{Seq: seq, Copies: 1, DeliverAt: at}.Value()
}

func TestDeliveryFollowsVirtualTime(t *testing.T) {
	e1 := envelope("a", "b", "ctx", "one")
	e2 := args("source", s("a"), "destination", s("b"), "context", s("ctx"), "payload", sdk.Bytes([]byte("two")),
		"metadata", args("k", sdk.Int(1)), "receipt", sdk.Bytes([]byte{1, 2}))
	h := sdktest.New(t, New(), sdktest.WithAuthority(alice))
	run(t, h, []step{
		{op: "network_faults.set_delay", args: args("min_ms", sdk.Int(10), "max_ms", sdk.Int(10)), want: sdk.Null()},
		{op: "network.send_envelope", args: args("envelope", e1), want: sent(1, 10)},
		{op: "network.receive_envelope", args: args("destination", s("b")), want: sdk.Null()},
		{op: "network_control.next_delivery", args: sdk.Null(), want: sdk.Int(10)},
		{op: "network_control.tick", args: args("now_ms", sdk.Int(9)), want: sdk.Int(0)},
		{op: "network.send_envelope", args: args("envelope", e2), want: sent(2, 19)},
		{op: "network.receive_envelope", args: args("destination", s("b")), want: sdk.Null()},
		{op: "network_control.tick", args: args("now_ms", sdk.Int(10)), want: sdk.Int(1)},
		{op: "network.is_channel_established", args: args("self", s("b"), "peer", s("a"), "context", s("ctx")), want: sdk.Bool(true)},
		{op: "network.is_channel_established", args: args("self", s("a"), "peer", s("b"), "context", s("ctx")), want: sdk.Bool(true)},
		{op: "network.is_channel_established", args: args("self", s("a"), "peer", s("b"), "context", s("other")), want: sdk.Bool(false)},
		{op: "network.receive_envelope", args: args("destination", s("b")), want: e1},
		{op: "network.receive_envelope", args: args("destination", s("b")), want: sdk.Null()},
		{op: "network_control.tick", args: args("now_ms", sdk.Int(100)), want: sdk.Int(1)},
		{op: "network.receive_envelope", args: args("destination", s("b")), want: e2},
		{op: "network_control.next_delivery", args: sdk.Null(), want: sdk.Null()},
		{op: "network_control.tick", args: args("now_ms", sdk.Int(99)), code: sdk.CodeConflict, msg: "only moves forward"},
		{op: "network_control.stats", args: sdk.Null(), want: Stats{Sent: 2, Delivered: 2, Now: 100}.Value()},
	})
}

func TestReceiveFromAndDefaults(t *testing.T) {
	me := sdk.Bytes(alice[:])
	toMe := func(src, ctx, payload string) sdk.Value {
		return args("source", s(src), "destination", me, "context", s(ctx), "payload", sdk.Bytes([]byte(payload)))
	}
	h := sdktest.New(t, New(), sdktest.WithAuthority(alice))
	run(t, h, []step{
		{op: "network.send_envelope", args: args("envelope", toMe("bob", "c1", "1")), want: sent(1, 0)},
		{op: "network.send_envelope", args: args("envelope", toMe("carol", "c1", "2")), want: sent(2, 0)},
		{op: "network.send_envelope", args: args("envelope", toMe("bob", "c2", "3")), want: sent(3, 0)},
		{op: "network.receive_envelope_from", args: args("source", s("bob"), "context", s("c2")), want: toMe("bob", "c2", "3")},
		{op: "network.receive_envelope_from", args: args("source", s("bob"), "context", s("c2")), want: sdk.Null()},
		{op: "network.receive_envelope_from", args: args("source", sdk.Bytes([]byte("bob")), "context", s("c1")), want: sdk.Null()},
		{op: "network.receive_envelope", args: sdk.Null(), want: toMe("bob", "c1", "1")},
		{op: "network.receive_envelope", args: args("destination", me), want: toMe("carol", "c1", "2")},
		{op: "network.connected_peers", args: sdk.Null(), want: sdk.List(s("bob"), s("carol"))},
		// Strings sort before bytes: the order is by canonical encoding.
		{op: "network.connected_peers", args: args("self", s("bob")), want: sdk.List(s("carol"), me)},
		{op: "network.is_channel_established", args: args("peer", s("carol"), "context", s("c1")), want: sdk.Bool(true)},
	})
}

func TestInvalidArguments(t *testing.T) {
	h := sdktest.New(t, New())
	big := envelope("a", "b", "c", strings.Repeat("x", transport.MaxPayload+1))
	run(t, h, []step{
		{op: "network.send_envelope", args: args("envelope", envelope("a", "b", "c", strings.Repeat("x", transport.MaxPayload))), want: sent(1, 0)},
		{op: "network.send_envelope", args: args("envelope", big), code: sdk.CodeInvalidArgs, msg: "payload is 65537 bytes"},
		{op: "network.send_envelope", args: args("envelope", args("source", s("a"), "context", s(""), "payload", sdk.Bytes(nil))), code: sdk.CodeInvalidArgs, msg: "destination must be"},
		{op: "network.send_envelope", args: args("envelope", args("source", s("a"), "destination", s("b"), "context", s(""), "payload", sdk.Bytes(nil), "extra", sdk.Null())), code: sdk.CodeInvalidArgs, msg: `no field "extra"`},
		{op: "network.send_envelope", args: args("envelope", args("source", s("a"), "destination", s("b"), "context", s(""), "payload", s("text"))), code: sdk.CodeInvalidArgs, msg: "payload must be bytes"},
		{op: "network.send_envelope", args: args("envelope", args("source", s(""), "destination", s("b"), "context", s(""), "payload", sdk.Bytes(nil))), code: sdk.CodeInvalidArgs, msg: "source must be"},
		{op: "network.receive_envelope", args: sdk.Null(), code: sdk.CodeInvalidArgs, msg: "no authority to default to"},
		{op: "network.receive_envelope", args: args("destination", sdk.Int(1)), code: sdk.CodeInvalidArgs, msg: "destination must be"},
		{op: "network_faults.set_drop_rate", args: args("per_mille", sdk.Int(1001)), code: sdk.CodeInvalidArgs, msg: "drop rate"},
		{op: "network_faults.set_delay", args: args("min_ms", sdk.Int(5), "max_ms", sdk.Int(4)), code: sdk.CodeInvalidArgs, msg: "delay"},
		{op: "network_faults.partition", args: args("a", sdk.List(sdk.Int(1)), "b", sdk.List()), code: sdk.CodeInvalidArgs, msg: "endpoint"},
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
	e, err := transport.ParseEnvelope(v)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestLinksAreFIFOUnlessReordering(t *testing.T) {
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
	h := sdktest.New(t, New())
	self := func(x string) sdk.Value { return args("self", s(x)) }
	run(t, h, []step{
		{op: "network_faults.set_delay", args: args("min_ms", sdk.Int(5), "max_ms", sdk.Int(5)), want: sdk.Null()},
		{op: "network.send_envelope", args: args("envelope", envelope("a", "b", "c", "in flight")), want: sent(1, 5)},
		{op: "network.send_envelope", args: args("envelope", envelope("c", "a", "c", "")), want: sent(2, 5)},
		{op: "network_faults.partition", args: args("a", sdk.List(s("a")), "b", sdk.List(s("b"), s("d"))), want: sdk.Null()},
		{op: "network.connected_peers", args: self("a"), want: sdk.List(s("c"))},
		{op: "network.connected_peers", args: self("b"), want: sdk.List(s("c"), s("d"))}, // b and d are on one side
		{op: "network.connected_peers", args: self("c"), want: sdk.List(s("a"), s("b"), s("d"))},
		{op: "network.send_envelope", args: args("envelope", envelope("b", "a", "c", "")),
			want: SendResult{Seq: 3}.Value()},
		{op: "network_control.tick", args: args("now_ms", sdk.Int(5)), want: sdk.Int(1)}, // the in-flight a→b is lost
		{op: "network.receive_envelope", args: args("destination", s("b")), want: sdk.Null()},
		{op: "network.receive_envelope", args: args("destination", s("a")), want: envelope("c", "a", "c", "")},
		{op: "network_faults.heal", args: sdk.Null(), want: sdk.Null()},
		{op: "network.connected_peers", args: self("a"), want: sdk.List(s("b"), s("c"), s("d"))},
		{op: "network.send_envelope", args: args("envelope", envelope("b", "a", "c", "after")), want: sent(4, 10)},
		{op: "network_control.tick", args: args("now_ms", sdk.Int(10)), want: sdk.Int(1)},
		{op: "network.is_channel_established", args: args("self", s("a"), "peer", s("b"), "context", s("c")), want: sdk.Bool(true)},
		{op: "network_faults.partition", args: args("a", sdk.List(s("b")), "b", sdk.List(s("a"))), want: sdk.Null()},
		{op: "network.is_channel_established", args: args("self", s("a"), "peer", s("b"), "context", s("c")), want: sdk.Bool(false)},
		{op: "network_faults.clear", args: sdk.Null(), want: sdk.Null()},
		{op: "network.is_channel_established", args: args("self", s("a"), "peer", s("b"), "context", s("c")), want: sdk.Bool(true)},
		{op: "network_control.stats", args: sdk.Null(), want: Stats{Sent: 4, Dropped: 2, Delivered: 2, Now: 10}.Value()},
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
	record("network_faults.set_drop_rate", args("per_mille", sdk.Int(100)))
	record("network_faults.set_duplicate_rate", args("per_mille", sdk.Int(50)))
	record("network_faults.set_delay", args("min_ms", sdk.Int(1), "max_ms", sdk.Int(40)))
	record("network_faults.set_reorder", args("enabled", sdk.Bool(true)))
	for i := range 300 {
		src, dst := agents[i%3], agents[(i*7+1)%3]
		if src == dst {
			dst = agents[(i+1)%3]
		}
		record("network.send_envelope", args("envelope", envelope(src, dst, fmt.Sprint("ctx", i%4), fmt.Sprint(i))))
		if i == 150 {
			record("network_faults.partition", args("a", sdk.List(s("alice")), "b", sdk.List(s("bob"))))
		}
		if i == 200 {
			record("network_faults.heal", sdk.Null())
		}
		if i%10 == 9 {
			record("network_control.tick", args("now_ms", sdk.Int(int64(i))))
			for _, a := range agents {
				for {
					v := mustInvoke(t, h, "network.receive_envelope", args("destination", s(a)))
					trace = append(trace, v)
					if v.IsNull() {
						break
					}
				}
			}
		}
	}
	record("network_control.stats", sdk.Null())
	return trace
}

func TestSameSeedSameDeliveries(t *testing.T) {
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
	net := NewNetwork(1)
	bob := effects.DeriveAuthorityID("bob", 0)
	ha := sdktest.New(t, NewWithNetwork(net), sdktest.WithAuthority(alice))
	hb := sdktest.New(t, NewWithNetwork(net), sdktest.WithAuthority(bob))
	if err := net.SetFaults(Faults{MinDelayMS: 3, MaxDelayMS: 3}); err != nil {
		t.Fatal(err)
	}
	env := args("source", sdk.Bytes(alice[:]), "destination", sdk.Bytes(bob[:]), "context", s("c"), "payload", sdk.Bytes([]byte("ping")))
	mustInvoke(t, ha, "network.send_envelope", args("envelope", env))
	if peers := mustInvoke(t, hb, "network.connected_peers", sdk.Null()); !peers.Equal(sdk.List(sdk.Bytes(alice[:]))) {
		t.Fatalf("bob's peers: %v", peers)
	}
	if v := mustInvoke(t, hb, "network.receive_envelope", sdk.Null()); !v.IsNull() {
		t.Fatalf("received %v before its time", v)
	}
	if n, err := net.Advance(3); err != nil || n != 1 {
		t.Fatalf("Advance = %d, %v", n, err)
	}
	if v := mustInvoke(t, hb, "network.receive_envelope", sdk.Null()); !v.Equal(env) {
		t.Fatalf("bob received %v", v)
	}
	if ok, _ := mustInvoke(t, ha, "network.is_channel_established", args("context", s("c"), "peer", sdk.Bytes(bob[:]))).AsBool(); !ok {
		t.Fatal("alice sees no channel to bob after a delivery")
	}
}
