package sdk

import (
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
)

func TestValueRoundTripsThroughTheWire(t *testing.T) {
	for _, v := range []effects.Value{
		effects.Null(), effects.Bool(true), effects.Int(-1 << 63), effects.Uint(1<<64 - 1),
		effects.String("héllo"), effects.Bytes([]byte{0, 255}), effects.List(),
		effects.List(effects.Int(1), effects.Map(map[string]effects.Value{"b": effects.Null(), "a": effects.List()})),
	} {
		got, err := valueFromProto(valueToProto(v), 0)
		if err != nil || !got.Equal(v) {
			t.Errorf("%v: round trip gave %v, %v", v, got, err)
		}
	}
}

// Wire input is validated: a peer that sends garbage gets an error, never
// a panic or a silently different value.
func TestMalformedWireValuesAreRejected(t *testing.T) {
	entry := func(k string) *pb.MapEntry { return &pb.MapEntry{Key: k, Value: &pb.Value{}} }
	deep := &pb.Value{}
	for range effects.MaxDepth + 2 {
		deep = &pb.Value{Kind: &pb.Value_List{List: &pb.ValueList{Items: []*pb.Value{deep}}}}
	}
	for name, tc := range map[string]struct {
		v    *pb.Value
		want string
	}{
		"unsorted map":  {&pb.Value{Kind: &pb.Value_Map{Map: &pb.ValueMap{Entries: []*pb.MapEntry{entry("b"), entry("a")}}}}, "out of order"},
		"duplicate key": {&pb.Value{Kind: &pb.Value_Map{Map: &pb.ValueMap{Entries: []*pb.MapEntry{entry("a"), entry("a")}}}}, "out of order or repeated"},
		"invalid utf-8": {&pb.Value{Kind: &pb.Value_String_{String_: "\xff"}}, "UTF-8"},
		"too deep":      {deep, "deeper"},
	} {
		if _, err := valueFromProto(tc.v, 0); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", name, err, tc.want)
		}
	}
}

func TestResultWithoutOutcomeIsAProtocolViolation(t *testing.T) {
	_, err := resultFromProto(&pb.Result{CallId: 1}, "x.y", "p")
	if err == nil || !strings.Contains(err.Error(), "neither a value nor an error") {
		t.Fatalf("got %v", err)
	}
	_, err = resultFromProto(&pb.Result{Outcome: &pb.Result_Error{Error: &pb.Error{Code: "made_up"}}}, "x.y", "p")
	if e := effects.AsError(err); e.Code != effects.CodeInternal || !strings.Contains(e.Message, "made_up") {
		t.Fatalf("unknown code: got %v", err)
	}
}
