package sdk

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/aurahost/aura-host/effects"
	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
)

// maxBatch bounds how many calls or results go into one stream frame.
const maxBatch = 128

// InvokeStream serves calls multiplexed on one stream. Each call runs in its
// own goroutine under its own deadline (one timer per stream enforces them
// all; see inflight); results are batched into frames by a single
// sender. A cancel entry cancels that call's context. When the
// caller closes its send side, in-flight calls finish and are answered;
// when the stream breaks, they are cancelled.
func (s *server) InvokeStream(stream pb.Plugin_InvokeStreamServer) error {
	ctx, cancelAll := context.WithCancel(stream.Context())
	defer cancelAll()

	results := make(chan *pb.Result, maxBatch)
	senderDone := make(chan error, 1)
	go func() { senderDone <- sendResults(stream, results) }()

	deliver := func(r *pb.Result) {
		select {
		case results <- r:
		case <-ctx.Done():
		}
	}
	recvErr := s.serveFrames(ctx, cancelAll, newInflight(), stream.Recv, deliver)
	close(results)
	if err := <-senderDone; err != nil {
		return err
	}
	if errors.Is(recvErr, io.EOF) {
		return nil
	}
	return recvErr
}

// serveFrames runs the calls of the frames recv returns, each in its own
// goroutine under its own deadline, registered in calls, and hands each
// result to deliver,
// until recv fails. It is the one call dispatch of both transports, the
// InvokeStream and the data plane. A clean end (io.EOF) lets the calls in
// flight finish; any other failure means the caller is gone, and cancels
// them (cancelAll). It returns recv's error once every call has finished.
func (s *server) serveFrames(ctx context.Context, cancelAll context.CancelFunc, calls *inflight, recv func() (*pb.InvokeFrame, error), deliver func(*pb.Result)) error {
	var wg sync.WaitGroup
	var recvErr error
	for {
		frame, err := recv()
		if err != nil {
			recvErr = err
			break
		}
		now := time.Now()
		for _, c := range frame.GetCalls() {
			id := c.GetCallId()
			var deadline time.Time
			if t := c.GetTimeoutNanos(); t > 0 {
				deadline = now.Add(time.Duration(t))
			}
			cc, ok := calls.start(ctx, id, deadline)
			if !ok {
				deliver(resultToProto(id, effects.Value{}, effects.Errorf(effects.CodeInvalidArgs, "call id %d is already in flight on this stream", id)))
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, err := s.dispatchProto(cc, c)
				calls.finish(id)
				deliver(resultToProto(id, v, err))
			}()
		}
		calls.cancel(frame.GetCancel())
	}
	if !errors.Is(recvErr, io.EOF) {
		cancelAll() // the caller is gone: stop its calls
	}
	wg.Wait()
	calls.stop()
	return recvErr
}

// sendResults batches results into frames until results is closed.
func sendResults(stream pb.Plugin_InvokeStreamServer, results <-chan *pb.Result) error {
	var sendErr error
	var held *pb.Result // taken from the channel but too big for the frame
	for {
		r := held
		held = nil
		if r == nil {
			var ok bool
			if r, ok = <-results; !ok {
				return sendErr
			}
		}
		if sendErr != nil {
			continue // drain so that no handler goroutine blocks
		}
		r = fitResult(r)
		frame := &pb.ResultFrame{Results: []*pb.Result{r}}
		bytes := proto.Size(r)
	batch:
		for len(frame.Results) < maxBatch && bytes < FrameBytes {
			select {
			case more, ok := <-results:
				if !ok {
					break batch
				}
				more = fitResult(more)
				n := proto.Size(more)
				if bytes+n > FrameBytes {
					held = more
					break batch
				}
				frame.Results = append(frame.Results, more)
				bytes += n
			default:
				break batch
			}
		}
		sendErr = stream.Send(frame)
	}
}

// fitResult replaces a result too large for one message with an error, so
// that one oversized answer fails its call instead of the stream.
func fitResult(r *pb.Result) *pb.Result {
	if n := proto.Size(r); n > MaxMessageBytes-frameOverhead {
		return resultToProto(r.GetCallId(), effects.Value{}, effects.Errorf(effects.CodeInternal,
			"result is %d bytes; a result may be at most %d", n, MaxMessageBytes-frameOverhead))
	}
	return r
}
