package sdk

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk/internal/wire"
)

// On the data plane the host has no receiver goroutine: the callers read
// the results themselves. A receiver goroutine costs every call a hand-off
// — it wakes on the result and wakes the caller, on a 2-vCPU VM often an
// idle thread on the other vCPU — which was most of what the data plane
// cost above the raw socket (BENCHMARKS.md, "Data plane without
// hand-offs"). Instead one caller at a time holds the reader role: it
// reads frames, hands other callers their results, and when its own
// result comes it passes the role to a caller still waiting (or lets it
// go). A caller alone reads its own result off the socket, as a raw
// socket ping-pong does.
//
// The role is a token under Stream.mu: at most one goroutine reads. It
// moves by readerTurn sent on the chosen caller's channel. A reader whose
// own call ends without a result (its deadline, its context) is
// interrupted by a read deadline in the past; the frame reader keeps a
// partly read frame for the next reader. With no call in flight nobody
// would read, and a broken connection would go unnoticed: the idle
// watcher takes the role once the stream has been idle for idleGrace, so
// that Done still closes when the plugin goes away between calls.

// readerTurn, sent on a pending call's channel, hands its caller the
// reader role. A call gets it at most once, before any result: while it
// holds the role no one else delivers results.
var readerTurn = &wire.Result{}

// idleGrace is how long the reader role lies unused before the idle
// watcher takes it: how late a data plane that breaks with no call in
// flight is noticed. Calls further apart than that pay one hand-off (the
// watcher answers the first of them); closer calls read for themselves.
// A process that exits is noticed at once all the same, by its exit.
const idleGrace = 5 * time.Millisecond

// watcherID marks the idle watcher as the role's holder; call IDs start
// at 1.
const watcherID = 0

// readerRole is who reads the data plane, under Stream.mu.
type readerRole struct {
	held        bool
	holder      uint64 // the call whose caller holds it, or watcherID
	interrupted bool   // a read deadline in the past is set on the connection
	takes       uint64 // how often a caller took it: the watcher's sign of use
}

// await waits for call id's result on the data plane, reading the
// connection itself while it holds the reader role.
func (s *Stream) await(ctx context.Context, id uint64, ch chan reply, op effects.OpID) (effects.Value, error) {
	s.mu.Lock()
	lead := s.err == nil && !s.role.held
	if lead {
		s.role = readerRole{held: true, holder: id, interrupted: s.role.interrupted, takes: s.role.takes + 1}
	}
	s.mu.Unlock()
	for !lead {
		select {
		case r := <-ch:
			if r.w != readerTurn {
				return s.answer(r, op)
			}
			lead = true
		case <-ctx.Done():
			s.mu.Lock()
			if s.role.held && s.role.holder == id { // handed the role, gone before taking it
				s.passRoleLocked(id)
			}
			s.mu.Unlock()
			return s.abandon(ctx, id, op)
		case <-s.done:
			return s.ended(ch, op)
		}
	}
	return s.read(ctx, id, ch, op)
}

// read is await for the holder of the reader role: it reads frames,
// answering the other callers, until its own result comes, its call ends
// without one, or the connection fails.
func (s *Stream) read(ctx context.Context, id uint64, ch chan reply, op effects.OpID) (effects.Value, error) {
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() {
			s.mu.Lock()
			s.interruptReaderOf(id)
			s.mu.Unlock()
		})
		defer stop()
	}
	for {
		select {
		case r := <-ch: // the deadline timer's
			s.mu.Lock()
			s.passRoleLocked(id)
			s.mu.Unlock()
			return s.answer(r, op)
		default:
		}
		if ctx.Err() != nil {
			s.mu.Lock()
			s.passRoleLocked(id)
			s.mu.Unlock()
			return s.abandon(ctx, id, op)
		}
		frame, err := s.dp.Recv()
		if isTimeout(err) {
			s.resumeReading()
			continue
		}
		if err != nil {
			s.fail(transportError(context.Background(), err, "", s.name))
			return s.ended(ch, op)
		}
		s.mu.Lock()
		d := s.deliverResultsLocked(frame, id)
		if d.own {
			s.passRoleLocked(id)
		}
		s.mu.Unlock()
		s.logUnknown(d.unknown)
		if d.own {
			return s.answer(d.mine, op)
		}
	}
}

// abandon gives up call id because ctx ended, telling the plugin to
// cancel it if it was still unanswered.
func (s *Stream) abandon(ctx context.Context, id uint64, op effects.OpID) (effects.Value, error) {
	if s.forget(id) {
		s.sendCancel(id)
	}
	return effects.Value{}, transportError(ctx, ctx.Err(), op, s.name)
}

// ended is the outcome of a call whose stream ended: its result if it was
// answered just before, else the stream's failure.
func (s *Stream) ended(ch chan reply, op effects.OpID) (effects.Value, error) {
	for {
		select {
		case r := <-ch:
			if r.w != readerTurn {
				return s.answer(r, op)
			}
		default:
			return effects.Value{}, s.opError(s.failure(), op)
		}
	}
}

// passRoleLocked passes the reader role, held by from, to a caller still
// waiting for its result, or lets it go if none is.
func (s *Stream) passRoleLocked(from uint64) {
	if !s.role.held || s.role.holder != from {
		return
	}
	for id, p := range s.pending {
		if id != from {
			s.role.holder = id
			p.ch <- reply{w: readerTurn}
			return
		}
	}
	s.role.held = false
}

// interruptReaderOf interrupts the reader's Recv if the reader is call
// id's caller, whose call has ended without a result (under s.mu).
func (s *Stream) interruptReaderOf(id uint64) {
	if s.dp != nil && s.role.held && s.role.holder == id && !s.role.interrupted {
		s.role.interrupted = true
		s.dp.interrupt()
	}
}

// resumeReading clears an interrupt, after the reader saw it: each reader
// checks after this whether its own call has ended, so an interrupt meant
// for an earlier reader costs a later one a spurious wake-up only.
func (s *Stream) resumeReading() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.role.interrupted {
		s.role.interrupted = false
		s.dp.resume()
	}
}

// isTimeout says whether err is a read interrupted by a deadline.
func isTimeout(err error) bool {
	if err == nil {
		return false // before ne, which escapes: no allocation per frame
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// watch is the idle watcher: once the data plane has had no reader for
// idleGrace it takes the reader role, so that a connection that breaks
// between calls still fails the stream. It gives the role up when it has
// answered a caller, for the callers to read for themselves again. Under
// load it wakes once per idleGrace and finds the role in use.
func (s *Stream) watch() {
	defer s.wg.Done()
	t := time.NewTimer(idleGrace)
	defer t.Stop()
	var seen uint64
	for {
		select {
		case <-t.C:
		case <-s.done:
			return
		}
		s.mu.Lock()
		idle := s.err == nil && !s.role.held && s.role.takes == seen && len(s.pending) == 0
		seen = s.role.takes
		if idle {
			s.role.held, s.role.holder = true, watcherID
		}
		s.mu.Unlock()
		if idle && !s.watchIdle() {
			return
		}
		t.Reset(idleGrace)
	}
}

// watchIdle reads for the idle watcher until it has answered a caller
// (true) or the connection fails (false).
func (s *Stream) watchIdle() bool {
	for {
		frame, err := s.dp.Recv()
		if isTimeout(err) {
			s.resumeReading()
			continue
		}
		if err != nil {
			s.fail(transportError(context.Background(), err, "", s.name))
			return false
		}
		s.mu.Lock()
		d := s.deliverResultsLocked(frame, watcherID)
		if d.delivered > 0 {
			s.passRoleLocked(watcherID)
		}
		s.mu.Unlock()
		s.logUnknown(d.unknown)
		if d.delivered > 0 {
			return true
		}
	}
}
