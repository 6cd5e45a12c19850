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
	"github.com/aurahost/aura-host/sdk/internal/wire"
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

	deliver := func(id uint64, v effects.Value, err error) {
		select {
		case results <- resultToProto(id, v, err):
		case <-ctx.Done():
		}
	}
	recv := func() (callFrame, error) {
		f, err := stream.Recv()
		if err != nil {
			return callFrame{}, err
		}
		calls := make([]wire.Call, len(f.GetCalls()))
		for i, c := range f.GetCalls() {
			calls[i] = wireCallFromProto(c)
		}
		return callFrame{calls: calls, cancel: f.GetCancel()}, nil
	}
	recvErr := s.serveFrames(ctx, cancelAll, newInflight(), recv, deliver, nil)
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
func (s *server) serveFrames(ctx context.Context, cancelAll context.CancelFunc, calls *inflight, recv func() (callFrame, error), deliver deliverFunc, batch batcher) error {
	return s.newDispatch(ctx, cancelAll, calls, recv, deliver, batch).serve()
}

// callFrame is a frame of calls and cancel entries as a transport decoded
// it.
type callFrame struct {
	calls  []wire.Call
	cancel []uint64
}

// deliverFunc sends call id's result: v, or err.
type deliverFunc func(id uint64, v effects.Value, err error)

// newDispatch is serveFrames's state; batch may be nil (no batching).
func (s *server) newDispatch(ctx context.Context, cancelAll context.CancelFunc, calls *inflight, recv func() (callFrame, error), deliver deliverFunc, batch batcher) *dispatch {
	if batch == nil {
		batch = noBatching{}
	}
	return &dispatch{s: s, ctx: ctx, cancelAll: cancelAll, calls: calls, recv: recv, deliver: deliver, batch: batch,
		tasks: make(chan *startedCall), ended: make(chan error, 1), quit: make(chan struct{}), kick: make(chan struct{}, 1)}
}

// serve is serveFrames once its state is made.
func (d *dispatch) serve() error {
	d.wg.Add(1)
	go d.watch()
	d.hand(nil)
	recvErr := <-d.ended
	close(d.quit)
	d.wg.Wait()
	d.calls.stop()
	return recvErr
}

// batcher lets the reader run the calls of every frame that has already
// arrived as one batch, their results held back until the batch has run
// and then written together (the data plane: under load one write, and one
// read on the host, instead of one per result). InvokeStream's sender
// batches by itself.
type batcher interface {
	more() bool // the next frame has arrived: reading it will not wait
	cork()      // hold results back
	uncork()    // send the results held back
}

type noBatching struct{}

func (noBatching) more() bool { return false }
func (noBatching) cork()      {}
func (noBatching) uncork()    {}

// maxIdleWorkers bounds the goroutines a stream keeps waiting for work.
const maxIdleWorkers = maxBatch

// dispatch is serveFrames's state, shared by its pool of goroutines.
type dispatch struct {
	s         *server
	ctx       context.Context
	cancelAll context.CancelFunc
	calls     *inflight
	recv      func() (callFrame, error)
	deliver   deliverFunc
	batch     batcher
	queue     []startedCall     // calls the reader has read and not yet run or handed on: the reader's
	wg        sync.WaitGroup    // the pool's goroutines
	tasks     chan *startedCall // to an idle goroutine: a call to run, or nil: read
	idle      atomic.Int32      // goroutines waiting on tasks
	ended     chan error        // recv's failure, sent by the last reader
	quit      chan struct{}     // closed once reading has ended: the pool drains

	inline   atomic.Uint64            // the reader's inline call: seq<<inlineSeqShift | inlineRunning | inlineHanded
	inlineOp atomic.Pointer[slowMark] // the slow mark of its operation (nil: an unknown one)
	handoffs atomic.Int64             // how often the watchdog handed the reading on
	parked   atomic.Bool              // the watchdog waits for kick
	kick     chan struct{}            // wakes the parked watchdog
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

// read is the reader's loop: it reads a frame, with every further frame
// that has already arrived, and runs their calls one after the other,
// their results corked into one write; when recv fails, it ends the
// reading. The calls of an operation that lately ran inline too long (see
// slowMark) go to the pool instead, and so do those of a frame of several
// calls, a batch the host sent together to run side by side.
func (d *dispatch) read() {
	for {
		for len(d.queue) > 0 {
			c := d.queue[0]
			d.queue = d.queue[1:]
			mark := d.s.slow[c.call.Call.Op]
			if mark.recent() {
				d.hand(&c)
				continue
			}
			d.inlineOp.Store(mark)
			if !d.runInline(&c) {
				return // the watchdog handed the reading (and the rest of the queue) on meanwhile
			}
		}
		d.batch.uncork()
		if !d.readBatch() {
			return
		}
	}
}

// readBatch reads a frame, waiting for it, and then the frames that have
// arrived after it, starting their calls: a frame's several calls are
// handed to the pool, lone ones queued for the reader. With more than one
// call queued the results are corked. It reports false when recv failed
// and the reading has ended.
func (d *dispatch) readBatch() bool {
	d.queue = d.queue[:0]
	for first := true; first || len(d.queue) < maxBatch && d.batch.more(); first = false {
		frame, err := d.recv()
		if err != nil {
			if len(d.queue) > 0 { // leave them to the pool; the reading ends
				for i := range d.queue {
					d.hand(&d.queue[i])
				}
				d.queue = nil
			}
			if !errors.Is(err, io.EOF) {
				d.cancelAll() // the caller is gone: stop its calls
			}
			d.ended <- err
			return false
		}
		started := d.start(frame.calls)
		d.calls.cancel(frame.cancel)
		if len(started) > 1 {
			for i := range started {
				d.hand(&started[i])
			}
			continue
		}
		d.queue = append(d.queue, started...)
	}
	if len(d.queue) > 1 {
		d.batch.cork()
	}
	return true
}

// startedCall is a call registered in flight, ready to run.
type startedCall struct {
	ctx  *callContext
	call *wire.Call
}

// start registers calls in flight under their deadlines, and answers at
// once a call whose ID is already in flight.
func (d *dispatch) start(calls []wire.Call) []startedCall {
	now := time.Now()
	started := make([]startedCall, 0, len(calls))
	for i := range calls {
		c := &calls[i]
		var deadline time.Time
		if t := c.TimeoutNanos; t > 0 {
			deadline = now.Add(time.Duration(t))
		}
		cc, ok := d.calls.start(d.ctx, c.ID, deadline)
		if !ok {
			d.deliver(c.ID, effects.Value{}, effects.Errorf(effects.CodeInvalidArgs, "call id %d is already in flight on this stream", c.ID))
			continue
		}
		started = append(started, startedCall{ctx: cc, call: c})
	}
	return started
}

// run runs a started call and delivers its result.
func (d *dispatch) run(c *startedCall) {
	v, err := d.s.runCall(c.ctx, c.call)
	d.calls.finish(c.call.ID)
	d.deliver(c.call.ID, v, err)
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
