package sdk

import (
	"context"
	"fmt"
	"time"

	"github.com/aurahost/aura-host/effects"
	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
)

// FrameStream is an InvokeStream without Stream's multiplexing: the caller
// picks each call's ID, sends frames of calls and cancels, and reads the
// plugin's result frames exactly as they arrived — IDs the caller never
// sent, second answers, codes outside the protocol's set and all. Stream
// hides those (it drops a result it cannot match, and turns an unknown code
// into internal); a conformance check needs to see them. The host's router
// never uses it.
type FrameStream struct {
	name   string
	stream pb.Plugin_InvokeStreamClient
	cancel context.CancelFunc
}

// WireCall is one call as it goes on the stream.
type WireCall struct {
	ID      uint64
	Call    *effects.Call
	Timeout time.Duration // sent as timeout_nanos; 0: no deadline
}

// WireResult is one result as the plugin sent it.
type WireResult struct {
	CallID uint64
	// Value is the result's value when it carried one and Malformed is
	// empty.
	Value effects.Value
	// Code is the error code exactly as sent (not checked against the
	// protocol's set; see KnownCode); empty when the result carried a value.
	Code      string
	Message   string
	Retryable bool
	// Malformed says why the result is not a valid one: neither a value nor
	// an error, or a malformed value.
	Malformed string
}

// OpenFrameStream opens an InvokeStream whose frames the caller reads and
// writes itself. It lives until Close, or until ctx ends.
func (c *Client) OpenFrameStream(ctx context.Context) (*FrameStream, error) {
	ctx, cancel := context.WithCancel(ctx)
	st, err := c.plugin.InvokeStream(ctx)
	if err != nil {
		cancel()
		return nil, transportError(ctx, err, "", c.name)
	}
	return &FrameStream{name: c.name, stream: st, cancel: cancel}, nil
}

// Send writes one frame: calls first, then cancels, as the contract has
// the plugin process them. Not safe for concurrent use.
func (f *FrameStream) Send(calls []WireCall, cancels []uint64) error {
	frame := &pb.InvokeFrame{Cancel: cancels}
	for _, c := range calls {
		frame.Calls = append(frame.Calls, callToProto(c.Call, c.ID, c.Timeout))
	}
	if err := f.stream.Send(frame); err != nil {
		return fmt.Errorf("send a frame to plugin %s: %w", f.name, err)
	}
	return nil
}

// Recv waits for the next result frame. An error means the stream has
// ended: io.EOF if the plugin ended it cleanly, a gRPC status otherwise.
func (f *FrameStream) Recv() ([]WireResult, error) {
	frame, err := f.stream.Recv()
	if err != nil {
		return nil, err
	}
	out := make([]WireResult, 0, len(frame.GetResults()))
	for _, r := range frame.GetResults() {
		w := WireResult{CallID: r.GetCallId()}
		switch o := r.GetOutcome().(type) {
		case *pb.Result_Error:
			w.Code, w.Message, w.Retryable = o.Error.GetCode(), o.Error.GetMessage(), o.Error.GetRetryable()
		case *pb.Result_Value:
			v, err := valueFromProto(o.Value, 0)
			if err != nil {
				w.Malformed = "malformed value: " + err.Error()
			} else {
				w.Value = v
			}
		default:
			w.Malformed = "neither a value nor an error"
		}
		out = append(out, w)
	}
	return out, nil
}

// CloseSend half-closes the stream: no more calls, nothing cancelled.
func (f *FrameStream) CloseSend() error { return f.stream.CloseSend() }

// Close cancels the stream (the plugin sees it break and cancels its calls).
func (f *FrameStream) Close() { f.cancel() }

// KnownCode reports whether code is one of the protocol's error codes
// (sdk/PROTOCOL.md §6). A receiver treats any other as internal.
func KnownCode(code string) bool { return knownCodes[effects.Code(code)] }
