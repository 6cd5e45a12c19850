package sdk

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
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

// serveFrames runs the calls of the frames recv returns, each under its
// own deadline, registered in calls, and hands each result to deliver,
// until recv fails. It is the one call dispatch of both transports, the
// InvokeStream and the data plane. A clean end (io.EOF) lets the calls in
// flight finish; any other failure means the caller is gone, and cancels
// them (cancelAll). It returns recv's error once every call has finished.
//
// The work is done by a pool of goroutines, each in turn the reader: the
// reader of a frame with several calls hands each to an idle goroutine of
// the pool (a new one if none is idle) and reads on; the reader of a frame
// with one call runs it itself, then reads on. A lone call thus runs at
// once on the thread that read it, with no goroutine made runnable (which
// wakes an idle thread: a third of a call's time, BENCHMARKS.md, "Data
// plane without hand-offs"). A call that runs long or blocks would stall
// the reading: the watchdog (server_inline.go) hands the reading to the
// pool once a call has run inline for inlineGrace, so that later calls
// and cancel entries wait at most about twice that.
func (s *server) serveFrames(ctx context.Context, cancelAll context.CancelFunc, calls *inflight, recv func() (*pb.InvokeFrame, error), deliver func(*pb.Result)) error {
	d := &dispatch{s: s, ctx: ctx, cancelAll: cancelAll, calls: calls, recv: recv, deliver: deliver,
		tasks: make(chan *startedCall), ended: make(chan error, 1), quit: make(chan struct{}), kick: make(chan struct{}, 1)}
	d.wg.Add(1)
	go d.watch()
	d.hand(nil)
	recvErr := <-d.ended
	close(d.quit)
	d.wg.Wait()
	calls.stop()
	return recvErr
}

// maxIdleWorkers bounds the goroutines a stream keeps waiting for work.
const maxIdleWorkers = maxBatch

// dispatch is serveFrames's state, shared by its pool of goroutines.
type dispatch struct {
	s         *server
	ctx       context.Context
	cancelAll context.CancelFunc
	calls     *inflight
	recv      func() (*pb.InvokeFrame, error)
	deliver   func(*pb.Result)
	wg        sync.WaitGroup    // the pool's goroutines
	tasks     chan *startedCall // to an idle goroutine: a call to run, or nil: read
	idle      atomic.Int32      // goroutines waiting on tasks
	ended     chan error        // recv's failure, sent by the last reader
	quit      chan struct{}     // closed once reading has ended: the pool drains

	inline atomic.Uint64 // the reader's inline call: seq<<inlineSeqShift | inlineRunning | inlineHanded
	parked atomic.Bool   // the watchdog waits for kick
	kick   chan struct{} // wakes the parked watchdog
}

// hand gives a task (a call to run, or nil: the reading) to an idle
// goroutine of the pool, or to a new one.
func (d *dispatch) hand(c *startedCall) {
	select {
	case d.tasks <- c:
	default:
		d.wg.Add(1)
		go d.work(c)
	}
}

// work is a goroutine of the pool: it does its task, then waits for
// another until reading has ended or enough others wait.
func (d *dispatch) work(c *startedCall) {
	defer d.wg.Done()
	for {
		if c == nil {
			d.read()
		} else {
			d.run(c)
		}
		if d.idle.Add(1) > maxIdleWorkers {
			d.idle.Add(-1)
			return
		}
		select {
		case c = <-d.tasks:
			d.idle.Add(-1)
		case <-d.quit:
			d.idle.Add(-1)
			return
		}
	}
}

// read reads frames until one carries calls, starts them, hands the
// reading and all but the last call on, and runs the last; or, when recv
// fails, ends the reading.
func (d *dispatch) read() {
	for {
		frame, err := d.recv()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				d.cancelAll() // the caller is gone: stop its calls
			}
			d.ended <- err
			return
		}
		started := d.start(frame.GetCalls())
		d.calls.cancel(frame.GetCancel())
		if len(started) == 0 {
			continue
		}
		if len(started) > 1 {
			for i := range started {
				d.hand(&started[i])
			}
			continue
		}
		if !d.runInline(&started[0]) {
			return // the watchdog handed the reading on meanwhile
		}
	}
}

// startedCall is a call registered in flight, ready to run.
type startedCall struct {
	ctx  *callContext
	call *pb.Call
}

// start registers calls in flight under their deadlines, and answers at
// once a call whose ID is already in flight.
func (d *dispatch) start(calls []*pb.Call) []startedCall {
	now := time.Now()
	started := make([]startedCall, 0, len(calls))
	for _, c := range calls {
		id := c.GetCallId()
		var deadline time.Time
		if t := c.GetTimeoutNanos(); t > 0 {
			deadline = now.Add(time.Duration(t))
		}
		cc, ok := d.calls.start(d.ctx, id, deadline)
		if !ok {
			d.deliver(resultToProto(id, effects.Value{}, effects.Errorf(effects.CodeInvalidArgs, "call id %d is already in flight on this stream", id)))
			continue
		}
		started = append(started, startedCall{ctx: cc, call: c})
	}
	return started
}

// run runs a started call and delivers its result.
func (d *dispatch) run(c *startedCall) {
	id := c.call.GetCallId()
	v, err := d.s.dispatchProto(c.ctx, c.call)
	d.calls.finish(id)
	d.deliver(resultToProto(id, v, err))
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
