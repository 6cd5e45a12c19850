package conformance

import (
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// checkDuplicateID: a call whose call_id is already in flight is answered
// at once with invalid_args, and the call in flight under that ID goes on
// undisturbed (PROTOCOL.md §5.5). A plugin that let the second call
// replace the first, or ran both, would answer one ID twice, and the host
// would hand the second answer to nobody, or to the wrong caller.
func (s *suite) checkDuplicateID(w *wire) {
	if s.cfg.Blocking == nil {
		s.rep.skip(CheckDuplicateID, "needs a call that blocks until cancelled (--blocking OP[=ARGS])")
		return
	}
	b := *s.cfg.Blocking
	ps, err := w.send([]*effects.Call{&b}, 0)
	if err != nil {
		s.rep.fail(CheckDuplicateID, "%s", w.brokenOr(err))
		return
	}
	first := ps[0]
	if err := w.sendAs(first.id, &effects.Call{Op: probeOp}); err != nil {
		s.rep.fail(CheckDuplicateID, "%s", w.brokenOr(err))
		return
	}
	r, ok, why := w.await(first, s.cfg.Timeout)
	switch {
	case !ok && w.broken() != "":
		s.rep.fail(CheckDuplicateID, "%s", why)
		return
	case !ok:
		s.rep.fail(CheckDuplicateID, "a second call under call_id %d, while the first (%s) was in flight, got no answer within %v: answer it at once with invalid_args, PROTOCOL.md §5.5", first.id, b.Op, s.cfg.Timeout)
		return
	case r.Code != string(effects.CodeInvalidArgs):
		s.rep.fail(CheckDuplicateID, "a second call under call_id %d, while the first (%s) was in flight, was answered %s: answer it with invalid_args and leave the first running, PROTOCOL.md §5.5", first.id, b.Op, describe(r))
		_ = w.cancel(first.id)
		return
	}
	// The call in flight is still there: cancelled now, it is answered
	// under its ID once more.
	again := w.expect(first.id)
	if err := w.cancel(first.id); err != nil {
		s.rep.fail(CheckDuplicateID, "%s", w.brokenOr(err))
		return
	}
	r, ok, why = w.await(again, s.cfg.Timeout)
	switch {
	case !ok && w.broken() != "":
		s.rep.fail(CheckDuplicateID, "%s", why)
	case !ok:
		s.rep.fail(CheckDuplicateID, "after the duplicate was refused, the first call %d to %s was cancelled and never answered: the duplicate must not disturb the call in flight", first.id, b.Op)
	default:
		s.rep.pass(CheckDuplicateID, "the duplicate was refused with invalid_args, and the call in flight answered %s when cancelled", codeOrValue(r))
	}
}

// codeOrValue names a result in a word: its error code, or "a value".
func codeOrValue(r sdk.WireResult) string {
	if r.Code != "" {
		return r.Code
	}
	return "a value"
}
