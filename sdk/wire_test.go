package sdk

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/aurahost/aura-host/effects"
	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
	"github.com/aurahost/aura-host/sdk/internal/wire"
)

// The data plane's codec (sdk/internal/wire) must say exactly what the
// generated code says: these tests hold it to the generated encoder byte
// for byte, and to the generated decoder plus sdk's conversion value for
// value and error for error.

// randomValue draws a value of every kind, nested up to depth levels.
func randomValue(r *rand.Rand, depth int) effects.Value {
	k := r.IntN(8)
	if depth <= 0 {
		k = r.IntN(6)
	}
	switch k {
	case 0:
		return effects.Null()
	case 1:
		return effects.Bool(r.IntN(2) == 1)
	case 2:
		return effects.Int(int64(r.Uint64()) >> r.IntN(64))
	case 3:
		return effects.Uint(r.Uint64() >> r.IntN(64))
	case 4:
		return effects.String(randomText(r))
	case 5:
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return effects.Bytes(b)
	case 6:
		items := make([]effects.Value, r.IntN(4))
		for i := range items {
			items[i] = randomValue(r, depth-1)
		}
		return effects.List(items...)
	}
	m := map[string]effects.Value{}
	for range r.IntN(4) {
		m[randomText(r)] = randomValue(r, depth-1)
	}
	return effects.Map(m)
}

func randomText(r *rand.Rand) string {
	words := []string{"", "a", "key", "ü", "日本", "\x00", strings.Repeat("x", 200)}
	return words[r.IntN(len(words))] + fmt.Sprint(r.IntN(3))
}

func randomID(r *rand.Rand) effects.ID {
	var id effects.ID
	if r.IntN(3) > 0 {
		for i := range id {
			id[i] = byte(r.Uint32())
		}
	}
	return id
}

func randomCall(r *rand.Rand) wire.Call {
	args := effects.Map(map[string]effects.Value{})
	if r.IntN(4) > 0 {
		args = randomValue(r, 4)
		if args.Kind() != effects.KindMap {
			args = effects.Map(map[string]effects.Value{"v": args})
		}
	}
	c := wire.Call{
		ID:           r.Uint64() >> r.IntN(64),
		Call:         &effects.Call{Op: effects.OpID([]string{"t.echo", "storage.put", "a.b_c"}[r.IntN(3)]), Args: args, Authority: effects.AuthorityID(randomID(r)), Context: effects.ContextID(randomID(r)), Session: effects.SessionID(randomID(r))},
		TimeoutNanos: int64(r.Uint64() >> r.IntN(64)),
	}
	if r.IntN(2) == 0 {
		c.Traceparent, c.Tracestate = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", randomText(r)
	}
	return c
}

// generatedCallFrame is what the generated code sends for c.
func generatedCallFrame(c wire.Call) *pb.InvokeFrame {
	pc := callToProto(c.Call, c.ID, 0)
	pc.TimeoutNanos, pc.Traceparent, pc.Tracestate = c.TimeoutNanos, c.Traceparent, c.Tracestate
	return &pb.InvokeFrame{Calls: []*pb.Call{pc}}
}

func TestWireEncodesWhatTheGeneratedCodeEncodes(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		c := randomCall(r)
		want, err := proto.Marshal(generatedCallFrame(c))
		if err != nil {
			t.Fatal(err)
		}
		if got := wire.AppendCallFrame(nil, &c); !bytes.Equal(got, want) {
			t.Fatalf("call %d (%v):\nwire      %x\ngenerated %x", i, c.Call.Args, got, want)
		}
		v := randomValue(r, 5)
		want, _ = proto.Marshal(&pb.ResultFrame{Results: []*pb.Result{resultToProto(c.ID, v, nil)}})
		if got := wire.AppendValueResult(nil, c.ID, v); !bytes.Equal(got, want) {
			t.Fatalf("result %d (%v):\nwire      %x\ngenerated %x", i, v, got, want)
		}
		e := &pb.Error{Code: randomText(r), Message: randomText(r), Retryable: r.IntN(2) == 0}
		want, _ = proto.Marshal(&pb.ResultFrame{Results: []*pb.Result{{CallId: c.ID, Outcome: &pb.Result_Error{Error: e}}}})
		if got := wire.AppendErrorResult(nil, c.ID, e.Code, e.Message, e.Retryable); !bytes.Equal(got, want) {
			t.Fatalf("error result %d:\nwire      %x\ngenerated %x", i, got, want)
		}
	}
}

// checkCallsAgree decodes an InvokeFrame both ways and fails unless they
// agree: the same calls (or the same errors), the same cancel entries. A
// frame the wire codec accepts the generated decoder must accept too.
func checkCallsAgree(t *testing.T, frame []byte) {
	t.Helper()
	calls, cancels, werr := wire.DecodeInvokeFrame(frame, nil, nil)
	var f pb.InvokeFrame
	perr := proto.Unmarshal(frame, &f)
	if werr != nil {
		return // stricter, or stopped earlier (see package wire): allowed
	}
	if perr != nil {
		t.Fatalf("wire accepted a frame the generated decoder refuses (%v): %x", perr, frame)
	}
	if len(calls) != len(f.GetCalls()) || fmt.Sprint(cancels) != fmt.Sprint(f.GetCancel()) && len(cancels)+len(f.GetCancel()) > 0 {
		t.Fatalf("wire: %d calls, cancel %v; generated: %d calls, cancel %v", len(calls), cancels, len(f.GetCalls()), f.GetCancel())
	}
	for i, pc := range f.GetCalls() {
		want, err := callFromProto(pc)
		got := calls[i]
		if got.ID != pc.GetCallId() || got.TimeoutNanos != pc.GetTimeoutNanos() || got.Traceparent != pc.GetTraceparent() || got.Tracestate != pc.GetTracestate() {
			t.Fatalf("call %d: wire %+v, generated %v", i, got, pc)
		}
		switch {
		case (err == nil) != (got.Err == nil):
			t.Fatalf("call %d: wire error %v, generated %v", i, got.Err, err)
		case err != nil:
			if got.Err.Error() != err.Error() || got.Call.Op != effects.OpID(pc.GetOp()) {
				t.Fatalf("call %d: wire error %q (op %q), generated %q", i, got.Err, got.Call.Op, err)
			}
		case got.Call.Op != want.Op || !got.Call.Args.Equal(want.Args) || got.Call.Authority != want.Authority ||
			got.Call.Context != want.Context || got.Call.Session != want.Session:
			t.Fatalf("call %d: wire %+v, generated %+v", i, got.Call, want)
		}
	}
}

// checkResultsAgree is checkCallsAgree for a ResultFrame.
func checkResultsAgree(t *testing.T, frame []byte) {
	t.Helper()
	results, werr := wire.DecodeResultFrame(frame, nil)
	var f pb.ResultFrame
	perr := proto.Unmarshal(frame, &f)
	if werr != nil {
		return
	}
	if perr != nil {
		t.Fatalf("wire accepted a frame the generated decoder refuses (%v): %x", perr, frame)
	}
	if len(results) != len(f.GetResults()) {
		t.Fatalf("wire: %d results, generated %d", len(results), len(f.GetResults()))
	}
	for i, pr := range f.GetResults() {
		got := results[i]
		if got.ID != pr.GetCallId() {
			t.Fatalf("result %d: id %d, generated %d", i, got.ID, pr.GetCallId())
		}
		switch o := pr.GetOutcome().(type) {
		case nil:
			if got.Outcome != wire.Neither {
				t.Fatalf("result %d: outcome %d, generated none", i, got.Outcome)
			}
		case *pb.Result_Error:
			if got.Outcome != wire.Failed || got.Code != o.Error.GetCode() || got.Message != o.Error.GetMessage() || got.Retryable != o.Error.GetRetryable() {
				t.Fatalf("result %d: %+v, generated %v", i, got, o.Error)
			}
		case *pb.Result_Value:
			want, err := valueFromProto(o.Value, 0)
			switch {
			case got.Outcome != wire.Returned:
				t.Fatalf("result %d: outcome %d, generated a value", i, got.Outcome)
			case (err == nil) != (got.ValueErr == nil):
				t.Fatalf("result %d: wire value error %v, generated %v", i, got.ValueErr, err)
			case err != nil && err.Error() != got.ValueErr.Error():
				t.Fatalf("result %d: wire value error %q, generated %q", i, got.ValueErr, err)
			case err == nil && !got.Value.Equal(want):
				t.Fatalf("result %d: wire %v, generated %v", i, got.Value, want)
			}
		}
	}
}

func TestWireDecodesWhatTheGeneratedCodeDecodes(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		c := randomCall(r)
		checkCallsAgree(t, wire.AppendCallFrame(nil, &c))
		checkResultsAgree(t, wire.AppendValueResult(nil, c.ID, randomValue(r, 5)))
		checkResultsAgree(t, wire.AppendErrorResult(nil, c.ID, randomText(r), randomText(r), true))
	}
	for name, frame := range malformedFrames() {
		t.Run(name, func(t *testing.T) {
			switch m := frame.(type) {
			case *pb.InvokeFrame:
				b, _ := proto.Marshal(m)
				checkCallsAgree(t, b)
			case *pb.ResultFrame:
				b, _ := proto.Marshal(m)
				checkResultsAgree(t, b)
			}
		})
	}
}

// malformedFrames are well-formed frames whose content sdk refuses: each
// must be refused the same way by the wire codec.
func malformedFrames() map[string]proto.Message {
	entry := func(k string, v *pb.Value) *pb.MapEntry { return &pb.MapEntry{Key: k, Value: v} }
	null := &pb.Value{Kind: &pb.Value_Null{}}
	deep := null
	for range effects.MaxDepth + 1 {
		deep = &pb.Value{Kind: &pb.Value_List{List: &pb.ValueList{Items: []*pb.Value{deep}}}}
	}
	call := func(mod func(*pb.Call)) proto.Message {
		c := &pb.Call{CallId: 7, Op: "t.echo", Args: &pb.ValueMap{}}
		mod(c)
		return &pb.InvokeFrame{Calls: []*pb.Call{c}, Cancel: []uint64{3, 1 << 40}}
	}
	result := func(v *pb.Value) proto.Message {
		return &pb.ResultFrame{Results: []*pb.Result{{CallId: 9, Outcome: &pb.Result_Value{Value: v}}}}
	}
	return map[string]proto.Message{
		"bad op":        call(func(c *pb.Call) { c.Op = "no dot" }),
		"long op":       call(func(c *pb.Call) { c.Op = "a." + strings.Repeat("b", 200) }),
		"unsorted args": call(func(c *pb.Call) { c.Args.Entries = []*pb.MapEntry{entry("b", null), entry("a", null)} }),
		"repeated arg":  call(func(c *pb.Call) { c.Args.Entries = []*pb.MapEntry{entry("a", null), entry("a", null)} }),
		"nested bad key": call(func(c *pb.Call) {
			c.Args.Entries = []*pb.MapEntry{entry("a", &pb.Value{Kind: &pb.Value_Map{Map: &pb.ValueMap{Entries: []*pb.MapEntry{entry("z", null), entry("y", null)}}}})}
		}),
		"too deep args":       call(func(c *pb.Call) { c.Args.Entries = []*pb.MapEntry{entry("a", deep)} }),
		"entry without value": call(func(c *pb.Call) { c.Args.Entries = []*pb.MapEntry{{Key: "a"}} }),
		"no args":             call(func(c *pb.Call) { c.Args = nil }),
		"short authority":     call(func(c *pb.Call) { c.Authority = []byte{1, 2, 3} }),
		"long session":        call(func(c *pb.Call) { c.Session = make([]byte, 17) }),
		"value without kind":  result(&pb.Value{}),
		"too deep result":     result(deep),
		"unsorted result":     result(&pb.Value{Kind: &pb.Value_Map{Map: &pb.ValueMap{Entries: []*pb.MapEntry{entry("b", null), entry("a", null)}}}}),
		"no outcome":          &pb.ResultFrame{Results: []*pb.Result{{CallId: 4}}},
		"unknown code":        &pb.ResultFrame{Results: []*pb.Result{{CallId: 4, Outcome: &pb.Result_Error{Error: &pb.Error{Code: "nope"}}}}},
	}
}

// FuzzWireAgreesWithTheGeneratedDecoder feeds both decoders the same
// bytes: whatever the wire codec accepts, the generated decoder must
// accept and read the same way.
func FuzzWireAgreesWithTheGeneratedDecoder(f *testing.F) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20 {
		c := randomCall(r)
		f.Add(wire.AppendCallFrame(nil, &c))
		f.Add(wire.AppendValueResult(nil, c.ID, randomValue(r, 3)))
	}
	for _, m := range malformedFrames() {
		b, _ := proto.Marshal(m)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		checkCallsAgree(t, frame)
		checkResultsAgree(t, frame)
	})
}
