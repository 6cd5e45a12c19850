package sdk

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/protobuf/proto"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk/internal/frame"
	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
	"github.com/aurahost/aura-host/sdk/internal/wire"
)

// Stream multiplexes many concurrent calls over one connection to a
// plugin: the hot path from host to plugin. The connection is the plugin's
// data plane (OpenDataPlane), where each caller writes its own frame
// through a write-combining writer and the callers read the results
// themselves, one at a time (the reader role, reader.go), or an
// InvokeStream (OpenStream), where one sender goroutine batches calls into
// frames and one receiver goroutine reads the results. Either way calls
// are tagged with an ID and matched to their results, and the deadline,
// cancellation and failure handling below is the same code. A caller whose context ends gets its timeout or cancelled
// error at once, and the plugin is told to cancel the call.
//
// When the stream breaks (the plugin died), every call in flight and every
// later call fails with a retryable unavailable error; open a new Stream on
// the new connection.
type Stream struct {
	name   string
	logger hclog.Logger
	stream frameTransport
	// direct says the transport is safe for concurrent Send and batches
	// by itself (the data plane's coalescing writer): every caller writes
	// its own frame, and there is no sender goroutine to hand off to. The
	// callers read it too: dp is the data plane, read by whichever holds
	// role.
	direct bool
	dp     *dataPlaneClient
	cancel context.CancelFunc
	queue  chan streamItem
	done   chan struct{} // closed when the stream has failed or closed
	wg     sync.WaitGroup

	sendMu  sync.Mutex // held around stream.Send, which is not concurrency-safe
	mu      sync.Mutex
	pending map[uint64]pendingCall
	timer   deadlineTimer // for the deadlines given to InvokeWithDeadline
	nextID  uint64
	err     error        // why done was closed
	role    readerRole   // on the data plane: who reads the results
	calling atomic.Int32 // on the data plane: callers between send and result

	// abandoned are the calls the host gave up on (its caller's context
	// ended, or the deadline timer fired) whose answers may still come:
	// the protocol allows such a late answer, so it is dropped quietly. An
	// answer to any other ID is a plugin bug, logged (unknownResults
	// counts them) because its own caller waits for it in vain.
	abandoned      abandonedCalls
	unknownResults uint64
}

// abandonedMemory is how many given-up calls a stream remembers, oldest
// forgotten first, so that a plugin that never answers its cancelled calls
// cannot grow the host's memory; an answer later than that many other
// abandoned calls is logged like an unknown one.
const abandonedMemory = 4096

// abandonedCalls is a set of call IDs that forgets the oldest past
// abandonedMemory.
type abandonedCalls struct {
	ids  map[uint64]struct{}
	ring []uint64
	next int
}

func (a *abandonedCalls) add(id uint64) {
	if a.ids == nil {
		a.ids = map[uint64]struct{}{}
		a.ring = make([]uint64, abandonedMemory)
	}
	delete(a.ids, a.ring[a.next]) // IDs start at 1: a zero slot is empty
	a.ring[a.next] = id
	a.next = (a.next + 1) % abandonedMemory
	a.ids[id] = struct{}{}
}

// take reports whether id was abandoned, forgetting it: a second late
// answer to the same call is a plugin bug.
func (a *abandonedCalls) take(id uint64) bool {
	_, ok := a.ids[id]
	delete(a.ids, id)
	return ok
}

// unknownLogged is how many results for unknown call IDs a stream logs one
// by one; past it, one line per unknownLogEvery more, with the count, so a
// plugin answering garbage cannot flood the host's log.
const (
	unknownLogged   = 16
	unknownLogEvery = 1024
)

// pendingCall is a call waiting for its result. Whoever removes it from
// pending answers it on ch: the receiver (on the data plane, the caller
// holding the reader role) with the plugin's result, or the deadline timer
// with nil. On the data plane ch may first carry readerTurn, handing the
// caller the reader role (client_reader.go).
type pendingCall struct {
	ch       chan reply // buffered (2: readerTurn, then a result): answering never blocks
	deadline time.Time  // zero: none the stream enforces
}

type streamItem struct {
	call   *pb.Call // a new call, or
	cancel uint64   // the ID of a call to cancel
	size   int      // encoded size of call
}

// frameTransport carries an InvokeStream's frames.
type frameTransport interface {
	Send(*pb.InvokeFrame) error
	Recv() (*pb.ResultFrame, error)
}

// frameOverhead is room left in a message for the frame around a call.
const frameOverhead = 64

// OpenStream opens an InvokeStream to the plugin. It lives until Close, or
// until the plugin goes away.
func (c *Client) OpenStream() (*Stream, error) {
	ctx, cancel := context.WithCancel(context.Background())
	st, err := c.plugin.InvokeStream(ctx)
	if err != nil {
		cancel()
		return nil, transportError(ctx, err, "", c.name)
	}
	return c.newStream(st, nil, cancel), nil
}

// newStream starts a Stream over the InvokeStream t, with its receiver and
// sender goroutines, or over the data plane dp (t nil), with only the idle
// watcher, as callers send and read themselves. cancel tears it down.
func (c *Client) newStream(t frameTransport, dp *dataPlaneClient, cancel context.CancelFunc) *Stream {
	logger := c.logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	s := &Stream{name: c.name, logger: logger, stream: t, direct: dp != nil, dp: dp, cancel: cancel, queue: make(chan streamItem, maxBatch),
		done: make(chan struct{}), pending: map[uint64]pendingCall{}}
	s.timer.fire = s.expire
	if s.direct {
		dp.w.Crowded = func() bool { return s.calling.Load() > 1 }
		s.wg.Add(1)
		go s.watch()
		return s
	}
	s.wg.Add(2)
	go s.recvLoop()
	go s.sendLoop()
	return s
}

// Invoke sends a call on the stream and waits for its result, the end of
// ctx, or the end of the stream.
func (s *Stream) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	return s.InvokeWithDeadline(ctx, call, time.Time{})
}

// InvokeWithDeadline is Invoke with a deadline the stream enforces itself
// besides ctx's: the earlier of the two is sent to the plugin, and the call
// fails with a timeout error when either passes. It spares a caller a
// context.WithDeadline per call — a timer each, which costs more than the
// stream's own machinery (see deadlineTimer). A zero deadline is none.
func (s *Stream) InvokeWithDeadline(ctx context.Context, call *effects.Call, deadline time.Time) (effects.Value, error) {
	ch := make(chan reply, 2)
	s.mu.Lock()
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		return effects.Value{}, s.opError(err, call.Op)
	}
	s.nextID++
	id := s.nextID
	s.mu.Unlock()
	if s.direct {
		return s.invokeDirect(ctx, call, id, ch, deadline)
	}
	pc := callToProto(call, id, timeoutOf(ctx, deadline))
	injectTrace(ctx, pc)
	size := proto.Size(pc)
	if size > MaxMessageBytes-frameOverhead {
		return effects.Value{}, &effects.Error{Code: effects.CodeInvalidArgs, Op: call.Op, Plugin: s.name,
			Message: fmt.Sprintf("call is %d bytes; a call may be at most %d", size, MaxMessageBytes-frameOverhead)}
	}
	s.mu.Lock()
	alone := false
	if s.err == nil {
		s.pending[id] = pendingCall{ch: ch, deadline: deadline}
		alone = len(s.pending) == 1
		if !deadline.IsZero() {
			s.timer.arm(deadline)
		}
	}
	s.mu.Unlock()

	if !(alone && s.sendAlone(pc, size)) {
		select {
		case s.queue <- streamItem{call: pc, size: size}:
		case <-ctx.Done():
			s.forget(id)
			return effects.Value{}, transportError(ctx, ctx.Err(), call.Op, s.name)
		case <-s.done:
			return effects.Value{}, s.opError(s.failure(), call.Op)
		}
	}
	select {
	case r := <-ch:
		return s.answer(r, call.Op)
	case <-ctx.Done():
		if s.forget(id) {
			s.sendCancel(id)
		}
		return effects.Value{}, transportError(ctx, ctx.Err(), call.Op, s.name)
	case <-s.done:
		select {
		case r := <-ch: // answered just before the stream ended
			return s.answer(r, call.Op)
		default:
		}
		return effects.Value{}, s.opError(s.failure(), call.Op)
	}
}

// invokeDirect is InvokeWithDeadline on the data plane: the caller encodes
// its call straight into a frame (sdk/internal/wire: no generated structs),
// writes it through the combining writer, and waits for its result,
// reading the connection itself while it holds the reader role.
func (s *Stream) invokeDirect(ctx context.Context, call *effects.Call, id uint64, ch chan reply, deadline time.Time) (effects.Value, error) {
	bp := frame.Buffer()
	defer frame.PutBuffer(bp)
	wc := wire.Call{ID: id, Call: call, TimeoutNanos: int64(timeoutOf(ctx, deadline))}
	wc.Traceparent, wc.Tracestate = traceHeaders(ctx)
	buf := wire.AppendCallFrame(*bp, &wc)
	*bp = buf
	if size := len(buf) - frame.HeaderBytes; size > MaxMessageBytes-frameOverhead {
		return effects.Value{}, &effects.Error{Code: effects.CodeInvalidArgs, Op: call.Op, Plugin: s.name,
			Message: fmt.Sprintf("call is %d bytes; a call may be at most %d", size, MaxMessageBytes-frameOverhead)}
	}
	s.mu.Lock()
	if s.err == nil {
		s.pending[id] = pendingCall{ch: ch, deadline: deadline}
		if !deadline.IsZero() {
			s.timer.arm(deadline)
		}
	}
	s.mu.Unlock()
	s.calling.Add(1)
	defer s.calling.Add(-1)
	if err := s.dp.w.Send(buf); err != nil {
		s.fail(transportError(context.Background(), err, "", s.name)) // the wait sees it
	}
	return s.await(ctx, id, ch, call.Op)
}

// sendAlone sends the only call in flight itself, sparing it the hand-off
// to the sender goroutine (about 1 % of a call's latency here, measured in
// BENCHMARKS.md), and reports whether it did. With nothing else unanswered
// the stream's send window is open, so Send does not block past the
// caller's deadline; a call made while others are in flight goes through
// the sender, which batches.
func (s *Stream) sendAlone(pc *pb.Call, size int) bool {
	if size > directSendBytes || !s.sendMu.TryLock() {
		return false
	}
	defer s.sendMu.Unlock()
	if err := s.stream.Send(&pb.InvokeFrame{Calls: []*pb.Call{pc}}); err != nil {
		s.fail(transportError(context.Background(), err, "", s.name))
	}
	return true // a failed send has failed the stream: the wait below sees it
}

// sendCancel tells the plugin to cancel call id, unless the stream is gone
// anyway.
func (s *Stream) sendCancel(id uint64) {
	if s.direct {
		s.send(&pb.InvokeFrame{Cancel: []uint64{id}})
		return
	}
	select {
	case s.queue <- streamItem{cancel: id}:
	case <-s.done:
	}
}

// directSendBytes bounds a call sendAlone sends: well inside gRPC's
// per-stream write quota (64 KiB), so that Send never waits for it.
const directSendBytes = 16 << 10

// reply is what a pending call is answered with: a result the data plane
// decoded (w), or one InvokeStream carried (p), which its caller converts
// (rather than the one receiver goroutine, for every caller); neither is
// the deadline timer's. w == readerTurn hands the caller the reader role.
type reply struct {
	w *wire.Result
	p *pb.Result
}

// answer turns what a pending call was answered with into its outcome: a
// zero reply is the deadline timer's. The plugin got the same deadline
// and stops the call itself, so no cancel entry is sent.
func (s *Stream) answer(r reply, op effects.OpID) (effects.Value, error) {
	switch {
	case r.p != nil:
		return resultFromProto(r.p, op, s.name)
	case r.w != nil:
		return outcome(r.w, op, s.name)
	}
	return effects.Value{}, &effects.Error{Code: effects.CodeTimeout, Op: op, Plugin: s.name,
		Message: "deadline exceeded", Err: context.DeadlineExceeded}
}

// expire answers the pending calls whose deadline has passed and re-arms
// the timer for the rest; the timer runs it.
func (s *Stream) expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timer.fired()
	now := time.Now()
	for id, p := range s.pending {
		if due(p.deadline, now) {
			delete(s.pending, id)
			s.abandoned.add(id)
			p.ch <- reply{}
			s.interruptReaderOf(id)
		} else if !p.deadline.IsZero() {
			s.timer.arm(p.deadline)
		}
	}
}

// forget drops a pending call the caller gave up on and reports whether it
// was still pending; its answer may still come, and is then dropped.
func (s *Stream) forget(id uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.pending[id]
	if ok {
		delete(s.pending, id)
		s.abandoned.add(id)
	}
	return ok
}

func (s *Stream) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *Stream) opError(err error, op effects.OpID) error {
	return &effects.Error{Code: effects.CodeUnavailable, Op: op, Plugin: s.name, Retryable: true,
		Message: "plugin stream closed: " + err.Error(), Err: err}
}

// fail ends the stream once, recording why.
func (s *Stream) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return
	}
	s.err = err
	s.pending = map[uint64]pendingCall{}
	s.timer.stop()
	close(s.done)
	s.cancel()
}

func (s *Stream) sendLoop() {
	defer s.wg.Done()
	for {
		var first streamItem
		select {
		case first = <-s.queue:
		case <-s.done:
			return
		}
		frame := &pb.InvokeFrame{}
		bytes := 0
		add := func(it streamItem) {
			if it.call != nil {
				frame.Calls = append(frame.Calls, it.call)
			} else {
				frame.Cancel = append(frame.Cancel, it.cancel)
			}
			bytes += it.size + frameOverhead
		}
		add(first)
		var held *streamItem // taken from the queue but too big for this frame
	batch:
		for len(frame.Calls)+len(frame.Cancel) < maxBatch && bytes < FrameBytes {
			select {
			case it := <-s.queue:
				if bytes+it.size > FrameBytes {
					held = &it
					break batch
				}
				add(it)
			default:
				break batch
			}
		}
		if !s.send(frame) || held != nil && !s.send(&pb.InvokeFrame{Calls: []*pb.Call{held.call}}) {
			return
		}
	}
}

// send writes a frame, failing the stream if it cannot. The data plane's
// writer serialises its writers itself (and batches them): holding sendMu
// around it would undo that.
func (s *Stream) send(frame *pb.InvokeFrame) bool {
	var err error
	if s.direct {
		err = s.dp.w.WriteMessage(frame)
	} else {
		s.sendMu.Lock()
		err = s.stream.Send(frame)
		s.sendMu.Unlock()
	}
	if err != nil {
		s.fail(transportError(context.Background(), err, "", s.name))
		return false
	}
	return true
}

// recvLoop reads an InvokeStream's results and hands them to their
// callers.
func (s *Stream) recvLoop() {
	defer s.wg.Done()
	for {
		frame, err := s.stream.Recv()
		if err != nil {
			s.fail(transportError(context.Background(), err, "", s.name))
			return
		}
		var d delivery
		s.mu.Lock()
		for _, r := range frame.GetResults() {
			s.deliverLocked(r.GetCallId(), reply{p: r}, 0, &d)
		}
		s.mu.Unlock()
		s.logUnknown(d.unknown)
	}
}

// delivery is what deliverLocked did with a frame's results: the reader's
// own result, how many it handed to other callers, and the call IDs
// answered that were neither pending nor abandoned, with their running
// count, to log after the lock is released.
type delivery struct {
	mine      reply
	own       bool
	delivered int
	unknown   []uint64
}

// deliverResultsLocked answers the pending calls results has results for,
// except call own's (0: none), which goes to d.mine.
func (s *Stream) deliverResultsLocked(results []wire.Result, own uint64) delivery {
	var d delivery
	for i := range results {
		s.deliverLocked(results[i].ID, reply{w: &results[i]}, own, &d)
	}
	return d
}

// deliverLocked answers call id with r, unless id is own: then r goes to
// d.mine.
func (s *Stream) deliverLocked(id uint64, r reply, own uint64, d *delivery) {
	if p, ok := s.pending[id]; ok {
		delete(s.pending, id)
		if id == own {
			d.mine, d.own = r, true
			return
		}
		p.ch <- r
		d.delivered++
	} else if !s.abandoned.take(id) {
		s.unknownResults++
		if n := s.unknownResults; n <= unknownLogged || n%unknownLogEvery == 0 {
			d.unknown = append(d.unknown, id, n)
		}
	}
}

// logUnknown logs what deliverLocked found answered out of turn.
func (s *Stream) logUnknown(unknown []uint64) {
	for i := 0; i < len(unknown); i += 2 {
		s.logger.Warn("plugin answered a call_id that is not in flight on its stream (never sent, or already answered); the result is dropped, and if the plugin meant another call, that call waits until its deadline: echo each call's call_id exactly once (sdk/PROTOCOL.md §5.5)",
			"plugin", s.name, "call_id", unknown[i], "unknown_results", unknown[i+1])
	}
}

// Transport names what the stream's frames travel on: "dataplane" (the
// plugin's data-plane socket) or "stream" (an InvokeStream).
func (s *Stream) Transport() string {
	if s.direct {
		return "dataplane"
	}
	return "stream"
}

// Done is closed when the stream has ended.
func (s *Stream) Done() <-chan struct{} { return s.done }

// Close ends the stream, failing calls still in flight, and waits for its
// goroutines.
func (s *Stream) Close() {
	s.fail(errStreamClosed)
	s.wg.Wait()
}

var errStreamClosed = &effects.Error{Code: effects.CodeUnavailable, Message: "stream closed by the host", Retryable: true}
