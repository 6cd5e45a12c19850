package conformance

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// halfCloseTimeout is the deadline of the blocking call the half_close
// check leaves in flight when it closes its send side: long enough to be
// in flight at the close, short enough not to slow the suite.
const halfCloseTimeout = 300 * time.Millisecond

// checkHalfClose: on a stream of its own, the suite sends the blocking
// call (with a deadline) and a call to an undeclared operation, then
// closes its send side. Half-closing cancels nothing (PROTOCOL.md §5.6):
// the blocking call runs to its deadline and is answered timeout, the
// other is answered, and then the plugin ends the stream cleanly.
func (s *suite) checkHalfClose(ctx context.Context, inst *Instance) {
	if s.cfg.Blocking == nil {
		s.rep.skip(CheckHalfClose, "needs a call that blocks until cancelled (--blocking OP[=ARGS])")
		return
	}
	w, err := openWire(ctx, inst.Client)
	if err != nil {
		s.rep.fail(CheckHalfClose, "cannot open a second InvokeStream: %v", err)
		return
	}
	defer w.close()
	b := *s.cfg.Blocking
	ps, err := w.send([]*effects.Call{&b, {Op: probeOp}}, halfCloseTimeout)
	if err == nil {
		err = w.fs.CloseSend()
	}
	if err != nil {
		s.rep.fail(CheckHalfClose, "%s", w.brokenOr(err))
		return
	}
	want := []string{string(effects.CodeTimeout), string(effects.CodeUnknownOp)}
	for i, p := range ps {
		r, ok, why := w.await(p, s.cfg.Timeout+halfCloseTimeout)
		switch {
		case !ok && errors.Is(w.failure(), io.EOF):
			s.rep.fail(CheckHalfClose, "the plugin ended the stream with call %d unanswered after the caller half-closed: finish the calls in flight and answer them first, PROTOCOL.md §5.6", p.id)
			return
		case !ok:
			s.rep.fail(CheckHalfClose, "after the caller half-closed: %s", why)
			return
		case r.Code == string(effects.CodeCancelled):
			s.rep.fail(CheckHalfClose, "call %d was cancelled when the caller half-closed: a half-close cancels nothing; finish the calls in flight, PROTOCOL.md §5.6", p.id)
			return
		case r.Code != want[i]:
			s.rep.fail(CheckHalfClose, "after the caller half-closed, call %d was answered %s, want %s", p.id, describe(r), want[i])
			return
		}
	}
	select {
	case <-w.done:
	case <-time.After(s.cfg.Timeout):
		s.rep.fail(CheckHalfClose, "the calls were answered, but the stream did not end within %v of the last: end it with status OK once the calls in flight are answered, PROTOCOL.md §5.6", s.cfg.Timeout)
		return
	}
	if err := w.failure(); !errors.Is(err, io.EOF) {
		s.rep.fail(CheckHalfClose, "the stream ended with %v, not a clean end: after a half-close, end it with status OK, PROTOCOL.md §5.6", err)
		return
	}
	s.rep.pass(CheckHalfClose, "the calls in flight at the half-close were answered (%s ran to its deadline), then the stream ended cleanly", b.Op)
}

// failure is why the stream ended (nil while it is open).
func (w *wire) failure() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}
