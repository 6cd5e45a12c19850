package conformance

import (
	"fmt"
	"slices"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// callPattern says which calls of the call_id batch are to an undeclared
// operation (true: unknown_op) and which have an undeclared argument
// (false: invalid_args). It is not periodic, so results shifted by any
// offset no longer match their calls' expected codes.
var callPattern = []bool{true, false, false, true, false, true, true, true, false, false, false, true, true, false, true, false}

// checkCallIDs sends a batch of calls in one frame — behind a blocking
// call still in flight, if there is one — and checks that every result
// comes back once, under its own call's ID, while the blocking call is
// still running.
func (s *suite) checkCallIDs(w *wire) bool {
	var opWithArgs *effects.OpSpec
	for i, o := range s.desc.Ops {
		if !s.isBlocking(o.ID) {
			opWithArgs = &s.desc.Ops[i]
			break
		}
	}
	calls := make([]*effects.Call, len(callPattern))
	want := make([]string, len(callPattern))
	for i, unknown := range callPattern {
		if unknown || opWithArgs == nil {
			calls[i], want[i] = &effects.Call{Op: probeOp}, string(effects.CodeUnknownOp)
			continue
		}
		args := map[string]effects.Value{undeclared: effects.Null()}
		for _, f := range s.cfg.ValidArgs(*opWithArgs).Fields() {
			args[f.Key] = f.Value
		}
		calls[i], want[i] = &effects.Call{Op: opWithArgs.ID, Args: effects.Map(args)}, string(effects.CodeInvalidArgs)
	}
	var block *pending
	if s.cfg.Blocking != nil {
		b := *s.cfg.Blocking
		ps, err := w.send([]*effects.Call{&b}, 0)
		if err != nil {
			s.rep.fail(CheckCallID, "%s", w.brokenOr(err))
			return false
		}
		block = &ps[0]
	}
	w.takeStrays()
	ps, err := w.send(calls, 0)
	if err != nil {
		s.rep.fail(CheckCallID, "%s", w.brokenOr(err))
		return false
	}
	got := map[uint64]sdk.WireResult{}
	var unanswered []uint64
	for _, p := range ps {
		r, ok, _ := w.await(p, s.cfg.Timeout)
		if ok {
			got[p.id] = r
		} else {
			unanswered = append(unanswered, p.id)
		}
		if w.broken() != "" {
			s.rep.fail(CheckCallID, "%s", w.broken())
			return false
		}
	}
	strays := w.takeStrays()
	if block != nil {
		blockAnswered := false
		select {
		case r := <-block.ch:
			blockAnswered = true
			if r.Code == "" {
				s.rep.fail(CheckCallID, "the blocking call %s returned %s: name a call that blocks until cancelled", s.cfg.Blocking.Op, describe(r))
				return false
			}
		default:
		}
		if !blockAnswered {
			_ = w.cancel(block.id)
			w.await(*block, s.cfg.Timeout)
		}
	}
	if reason := callIDProblem(ps, want, got, unanswered, strays); reason != "" {
		s.rep.fail(CheckCallID, "%s; echo each call's call_id in its result, PROTOCOL.md §5.5", reason)
		return false
	}
	note := ""
	if block != nil {
		note = ", while a blocking call was in flight"
	}
	s.rep.pass(CheckCallID, "%d calls in one frame, each answered once under its own call_id%s", len(ps), note)
	return true
}

// callIDProblem says what is wrong with the answers to a batch ("" if
// nothing): results that came back under another call's ID (found as one
// constant offset when there is one), IDs never sent, calls never
// answered, answers that belong to another call.
func callIDProblem(ps []pending, want []string, got map[uint64]sdk.WireResult, unanswered []uint64, strays []sdk.WireResult) string {
	wantOf := map[uint64]string{}
	for i, p := range ps {
		wantOf[p.id] = want[i]
	}
	var mismatched []uint64
	for id, r := range got {
		if r.Code != wantOf[id] {
			mismatched = append(mismatched, id)
		}
	}
	if len(unanswered) == 0 && len(strays) == 0 && len(mismatched) == 0 {
		return ""
	}
	// Every result, under the ID it came back with.
	type back struct {
		id   uint64
		code string
	}
	var all []back
	for id, r := range got {
		all = append(all, back{id, r.Code})
	}
	for _, r := range strays {
		all = append(all, back{r.CallID, r.Code})
	}
	for d := -int64(len(ps)); d <= int64(len(ps)); d++ {
		if d == 0 {
			continue
		}
		fits := len(all) > 0
		for _, b := range all {
			orig := uint64(int64(b.id) - d)
			if w, ok := wantOf[orig]; !ok || w != b.code {
				fits = false
				break
			}
		}
		if fits {
			first := ps[0].id
			if d < 0 {
				first = ps[len(ps)-1].id
			}
			return fmt.Sprintf("result for call %d came back as call %d (every result's call_id is off by %+d)", first, uint64(int64(first)+d), d)
		}
	}
	slices.Sort(unanswered)
	slices.Sort(mismatched)
	switch {
	case len(strays) > 0 && len(unanswered) > 0:
		return fmt.Sprintf("result for call %d came back as call %d, which was never sent", unanswered[0], strays[0].CallID)
	case len(strays) > 0:
		return fmt.Sprintf("a result came back as call %d, which was not in flight (or was answered twice)", strays[0].CallID)
	case len(mismatched) > 0:
		id := mismatched[0]
		return fmt.Sprintf("call %d should get %s but got %s: its result carries another call's call_id", id, wantOf[id], describe(got[id]))
	}
	return fmt.Sprintf("call %d was never answered (%d of %d calls unanswered)", unanswered[0], len(unanswered), len(ps))
}
