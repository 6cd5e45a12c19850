package wire

import (
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/aurahost/aura-host/effects"
	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
)

// The codec's own tests: what it encodes it decodes back unchanged, and
// it tells a broken frame (FrameError) from a malformed call or result.
// Its agreement with the generated code and with sdk's conversion, byte
// for byte and error for error, is tested in sdk (sdk/wire_test.go), where
// that conversion lives.

func sampleArgs() effects.Value {
	return effects.Map(map[string]effects.Value{
		"b": effects.Bytes([]byte{0, 1, 2}),
		"l": effects.List(effects.Null(), effects.Bool(true), effects.Int(-7), effects.Uint(1<<63), effects.String("ü")),
		"m": effects.Map(map[string]effects.Value{"": effects.String(""), "z": effects.List()}),
	})
}

func TestCallsAndResultsRoundTrip(t *testing.T) {
	id := effects.ID{1, 2, 3}
	in := Call{ID: 42, TimeoutNanos: 5e9, Traceparent: "00-x", Tracestate: "k=v",
		Call: &effects.Call{Op: "t.echo", Args: sampleArgs(), Authority: effects.AuthorityID(id), Session: effects.SessionID(id)}}
	calls, cancels, err := DecodeInvokeFrame(AppendCallFrame(nil, &in), nil, nil)
	if err != nil || len(calls) != 1 || len(cancels) != 0 {
		t.Fatalf("decode: %v, %d calls, cancels %v", err, len(calls), cancels)
	}
	got := calls[0]
	if got.Err != nil || got.ID != in.ID || got.TimeoutNanos != in.TimeoutNanos || got.Traceparent != in.Traceparent ||
		got.Tracestate != in.Tracestate || got.Call.Op != in.Call.Op || !got.Call.Args.Equal(in.Call.Args) ||
		got.Call.Authority != in.Call.Authority || got.Call.Context != in.Call.Context || got.Call.Session != in.Call.Session {
		t.Fatalf("call round trip:\n got %+v %+v\nwant %+v %+v", got, got.Call, in, in.Call)
	}

	frame := AppendValueResult(nil, 7, sampleArgs())
	frame = AppendErrorResult(frame, 8, "denied", "no", true) // two results, back to back: one frame
	results, err := DecodeResultFrame(frame, nil)
	if err != nil || len(results) != 2 {
		t.Fatalf("decode results: %v, %d results", err, len(results))
	}
	if r := results[0]; r.ID != 7 || r.Outcome != Returned || r.ValueErr != nil || !r.Value.Equal(sampleArgs()) {
		t.Errorf("value result: %+v", r)
	}
	if r := results[1]; r.ID != 8 || r.Outcome != Failed || r.Code != "denied" || r.Message != "no" || !r.Retryable {
		t.Errorf("error result: %+v", r)
	}
}

// Cancel entries arrive packed, as proto3 sends them, or one by one, as
// an older encoder may: both are read.
func TestCancelsPackedOrNot(t *testing.T) {
	packed, _ := proto.Marshal(&pb.InvokeFrame{Cancel: []uint64{3, 1 << 40}})
	var unpacked []byte
	for _, id := range []uint64{3, 1 << 40} {
		unpacked = protowire.AppendVarint(protowire.AppendTag(unpacked, frameCancel, protowire.VarintType), id)
	}
	for name, b := range map[string][]byte{"packed": packed, "unpacked": unpacked} {
		_, cancels, err := DecodeInvokeFrame(b, nil, nil)
		if err != nil || len(cancels) != 2 || cancels[0] != 3 || cancels[1] != 1<<40 {
			t.Errorf("%s: %v, %v", name, cancels, err)
		}
	}
}

// A broken structure refuses the frame; what is wrong with a well-formed
// call's content is that call's error, the frame still read.
func TestFrameErrorsAndCallErrors(t *testing.T) {
	entry := func(k string) *pb.MapEntry { return &pb.MapEntry{Key: k, Value: &pb.Value{Kind: &pb.Value_Null{}}} }
	callFrame := func(c *pb.Call) []byte {
		b, _ := proto.Marshal(&pb.InvokeFrame{Calls: []*pb.Call{c}})
		return b
	}
	// A call whose args occur twice, which the generated decoder would
	// merge and no encoder emits.
	inner := protowire.AppendVarint(protowire.AppendTag(nil, callID, protowire.VarintType), 1)
	inner = protowire.AppendString(protowire.AppendTag(inner, callOp, protowire.BytesType), "t.echo")
	for range 2 {
		inner = protowire.AppendBytes(protowire.AppendTag(inner, callArgs, protowire.BytesType), nil)
	}
	twice := protowire.AppendBytes(protowire.AppendTag(nil, frameCalls, protowire.BytesType), inner)

	for name, b := range map[string][]byte{
		"truncated":          callFrame(&pb.Call{CallId: 1, Op: "t.echo"})[:5],
		"invalid UTF-8 op":   callFrame(&pb.Call{CallId: 1, Op: "t.\xff"}),
		"field number 2^29+": protowire.AppendVarint(protowire.AppendTag(nil, protowire.MaxValidNumber+1, protowire.VarintType), 1),
		"args twice":         twice,
	} {
		_, _, err := DecodeInvokeFrame(b, nil, nil)
		var fe *FrameError
		if !errors.As(err, &fe) {
			t.Errorf("%s: %v, want a *FrameError", name, err)
		}
	}

	deep := &pb.Value{Kind: &pb.Value_Null{}}
	for range effects.MaxDepth + 1 {
		deep = &pb.Value{Kind: &pb.Value_List{List: &pb.ValueList{Items: []*pb.Value{deep}}}}
	}
	for name, c := range map[string]struct {
		call *pb.Call
		want string
	}{
		"bad op":        {&pb.Call{CallId: 1, Op: "nodot"}, "nodot"},
		"unsorted keys": {&pb.Call{CallId: 1, Op: "t.echo", Args: &pb.ValueMap{Entries: []*pb.MapEntry{entry("b"), entry("a")}}}, `map key "a" is out of order`},
		"too deep":      {&pb.Call{CallId: 1, Op: "t.echo", Args: &pb.ValueMap{Entries: []*pb.MapEntry{{Key: "d", Value: deep}}}}, "nested deeper than"},
		"short session": {&pb.Call{CallId: 1, Op: "t.echo", Session: []byte{1}}, "session must be 16 bytes"},
	} {
		calls, _, err := DecodeInvokeFrame(callFrame(c.call), nil, nil)
		if err != nil || len(calls) != 1 || calls[0].Err == nil || !strings.Contains(calls[0].Err.Error(), c.want) {
			t.Errorf("%s: frame error %v, calls %+v; want the call's error to say %q", name, err, calls, c.want)
		}
	}
}

// A result's oneof keeps its last member, as the generated decoder does,
// and each member must be well-formed even when replaced.
func TestResultOneofLastMemberWins(t *testing.T) {
	value := AppendValueResult(nil, 3, effects.Int(1))
	errResult := AppendErrorResult(nil, 3, "timeout", "late", false)
	// The Result bodies, concatenated: value then error.
	body := func(frame []byte) []byte {
		_, _, n := protowire.ConsumeTag(frame)
		b, _ := protowire.ConsumeBytes(frame[n:])
		return b
	}
	both := protowire.AppendBytes(protowire.AppendTag(nil, frameResults, protowire.BytesType), append(body(value), body(errResult)...))
	results, err := DecodeResultFrame(both, nil)
	if err != nil || len(results) != 1 || results[0].Outcome != Failed || results[0].Code != "timeout" {
		t.Fatalf("value then error: %+v, %v; want the error", results, err)
	}
	valueTwice := protowire.AppendBytes(protowire.AppendTag(nil, frameResults, protowire.BytesType), append(body(value), body(value)...))
	var fe *FrameError
	if _, err := DecodeResultFrame(valueTwice, nil); !errors.As(err, &fe) {
		t.Errorf("a result whose value occurs twice: %v, want a *FrameError (the generated decoder would merge them)", err)
	}
	broken := protowire.AppendBytes(protowire.AppendTag(nil, resultValue, protowire.BytesType), []byte{0xff})
	broken = append(broken, body(errResult)...)
	frame := protowire.AppendBytes(protowire.AppendTag(nil, frameResults, protowire.BytesType), broken)
	if _, err := DecodeResultFrame(frame, nil); !errors.As(err, &fe) {
		t.Errorf("a broken value replaced by an error: %v, want a *FrameError", err)
	}
}

// FuzzDecodeNeverPanics: whatever the bytes, decoding returns; what it
// accepts as a call frame encodes again to a frame it decodes the same.
func FuzzDecodeNeverPanics(f *testing.F) {
	f.Add(AppendCallFrame(nil, &Call{ID: 1, Call: &effects.Call{Op: "t.echo", Args: sampleArgs()}}))
	f.Add(AppendValueResult(nil, 2, sampleArgs()))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeResultFrame(b, nil)
		calls, _, err := DecodeInvokeFrame(b, nil, nil)
		if err != nil {
			return
		}
		for _, c := range calls {
			if c.Err != nil {
				continue
			}
			again, _, err := DecodeInvokeFrame(AppendCallFrame(nil, &c), nil, nil)
			if err != nil || len(again) != 1 || !again[0].Call.Args.Equal(c.Call.Args) || again[0].Call.Op != c.Call.Op {
				t.Fatalf("re-encoded call decodes as %+v, %v; want %+v", again, err, c.Call)
			}
		}
	})
}
