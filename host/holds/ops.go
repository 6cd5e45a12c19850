package holds

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/aurahost/aura-host/effects"
)

// Invoke serves the hold family (effects.HoldOps) for the agent's own
// authority: its facades and plugins, through the Router.
func (s *Service) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	if err := ctx.Err(); err != nil {
		return effects.Value{}, err
	}
	if !call.Authority.IsZero() && call.Authority != s.cfg.Self {
		return effects.Value{}, &effects.Error{Code: effects.CodeDenied, Op: call.Op,
			Message: fmt.Sprintf("this hold service acts for %s, the call names %s", s.cfg.Self, call.Authority)}
	}
	if !s.Health().Operational() {
		return effects.Value{}, &effects.Error{Code: effects.CodeUnavailable, Op: call.Op, Retryable: true,
			Message: "the hold service is " + s.Health().String()}
	}
	v, err := s.serve(ctx, call)
	if e := effects.AsError(err); e != nil && e.Op == "" {
		e.Op = call.Op
	}
	return v, err
}

func (s *Service) serve(ctx context.Context, call *effects.Call) (effects.Value, error) {
	switch call.Op {
	case effects.HoldDeposit:
		return s.opDeposit(ctx, call)
	case effects.HoldStatus:
		id, ok := call.Arg("id").AsBytes()
		if !ok || len(id) != 16 {
			return effects.Value{}, effects.Errorf(effects.CodeInvalidArgs, "id: want the deposit's 16 bytes")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		d, found := s.deposits[DepositID(id)]
		if !found {
			return effects.Value{}, effects.Errorf(effects.CodeNotFound, "no deposit %x of %s (expired deposits are forgotten)", id, s.cfg.Self)
		}
		return d.value(), nil
	case effects.HoldList:
		s.mu.Lock()
		defer s.mu.Unlock()
		out := make([]effects.Value, len(s.order))
		for i, id := range s.order {
			out[i] = s.deposits[id].value()
		}
		return effects.List(out...), nil
	case effects.HoldHeld:
		return s.heldValue(), nil
	case effects.HoldRetrieve:
		holders, err := authorities(call.Arg("holders"))
		if err != nil {
			return effects.Value{}, err
		}
		now, err := s.now(ctx)
		if err != nil {
			return effects.Value{}, err
		}
		s.mu.Lock()
		n, err := s.ask(holders, now)
		s.mu.Unlock()
		if err != nil {
			return effects.Value{}, err
		}
		v := s.receivedValue(map[string]effects.Value{"asked": effects.Int(int64(n))})
		return v, nil
	case effects.HoldReceived:
		return s.receivedValue(nil), nil
	case effects.HoldWitness:
		raw, ok := call.Arg("witness").AsBytes()
		if !ok {
			return effects.Value{}, effects.Errorf(effects.CodeInvalidArgs, "witness: want its canonical bytes")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		w, err := s.witness(ctx, raw)
		if err != nil {
			return effects.Value{}, err
		}
		return s.scoreValue(w.Holder), nil
	case effects.HoldHealth:
		s.mu.Lock()
		defer s.mu.Unlock()
		var ids []effects.AuthorityID
		for h := range s.scores {
			ids = append(ids, h)
		}
		slices.SortFunc(ids, func(a, b effects.AuthorityID) int { return bytes.Compare(a[:], b[:]) })
		out := make([]effects.Value, len(ids))
		for i, h := range ids {
			out[i] = s.scoreValue(h)
		}
		return effects.List(out...), nil
	}
	return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: call.Op}
}

// opDeposit seals the payload and queues it for each holder.
func (s *Service) opDeposit(ctx context.Context, call *effects.Call) (effects.Value, error) {
	rs, _ := call.Arg("recipient").AsString()
	recipient, err := effects.ParseAuthorityID(rs)
	if err != nil {
		return effects.Value{}, effects.Errorf(effects.CodeInvalidArgs, "recipient: %v", err)
	}
	payload, _ := call.Arg("payload").AsBytes()
	if len(payload) > MaxPayload {
		return effects.Value{}, effects.Errorf(effects.CodeInvalidArgs, "payload is %d bytes, more than %d: deposit a reference (a hash in storage) instead", len(payload), MaxPayload)
	}
	if recipient == s.cfg.Self {
		return effects.Value{}, effects.Errorf(effects.CodeInvalidArgs, "recipient is this agent itself: nothing to hold")
	}
	given, err := authorities(call.Arg("holders"))
	if err != nil {
		return effects.Value{}, err
	}
	now, err := s.now(ctx)
	if err != nil {
		return effects.Value{}, err
	}
	sealed := &Sealed{Depositor: s.cfg.Self, Recipient: recipient, CreatedMs: now,
		ExpiresMs: now + s.cfg.Retention.Milliseconds(), Payload: payload}
	if err := seal(ctx, s.cfg.Invoke, sealed); err != nil {
		return effects.Value{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.deposits[sealed.ID]; ok {
		return d.value(), nil
	}
	if len(s.deposits) >= s.cfg.MaxHeld {
		return effects.Value{}, effects.Errorf(effects.CodeExhausted, "%d deposits in flight already: wait for them to expire (retention %v)", len(s.deposits), s.cfg.Retention)
	}
	holders, err := s.chooseHolders(given, recipient)
	if err != nil {
		return effects.Value{}, err
	}
	d := &Deposit{ID: sealed.ID, Recipient: recipient, CreatedMs: now, ExpiresMs: sealed.ExpiresMs, State: DepositPending}
	var lastErr error
	for _, h := range holders {
		if err := s.enqueue(h, kindDeposit, map[string]effects.Value{"sealed": effects.Bytes(sealed.Encode())}, now); err != nil {
			lastErr = err
			continue
		}
		d.Holders = append(d.Holders, h)
	}
	if len(d.Holders) == 0 {
		return effects.Value{}, lastErr
	}
	s.deposits[d.ID] = d
	s.order = append(s.order, d.ID)
	return d.value(), nil
}

// chooseHolders checks the holders given, or picks the Holders peers with
// the best scores (ties by authority), never the recipient.
func (s *Service) chooseHolders(given []effects.AuthorityID, recipient effects.AuthorityID) ([]effects.AuthorityID, error) {
	if len(given) > 0 {
		for _, h := range given {
			if !s.peers[h] || h == recipient {
				return nil, effects.Errorf(effects.CodeInvalidArgs, "holder %s: a holder must be a peer of the hold service and not the recipient", h)
			}
		}
		return given, nil
	}
	var cands []effects.AuthorityID
	for _, p := range s.cfg.Peers {
		if p != recipient {
			cands = append(cands, p)
		}
	}
	if len(cands) == 0 {
		return nil, &effects.Error{Code: effects.CodeNotFound, Message: ErrNoHolders.Error() + ": the service has no peer but the recipient; list more peers", Err: ErrNoHolders}
	}
	rate := func(id effects.AuthorityID) float64 {
		if sc := s.scores[id]; sc != nil {
			return sc.Rate()
		}
		return Score{}.Rate()
	}
	slices.SortStableFunc(cands, func(a, b effects.AuthorityID) int {
		if ra, rb := rate(a), rate(b); ra != rb {
			if ra > rb {
				return -1
			}
			return 1
		}
		return bytes.Compare(a[:], b[:])
	})
	return cands[:min(len(cands), s.cfg.Holders)], nil
}

func authorities(v effects.Value) ([]effects.AuthorityID, error) {
	var out []effects.AuthorityID
	for _, it := range v.Items() {
		str, _ := it.AsString()
		id, err := effects.ParseAuthorityID(str)
		if err != nil {
			return nil, effects.Errorf(effects.CodeInvalidArgs, "holders: %v", err)
		}
		if !containsID(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

func (s *Service) heldValue() effects.Value {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []DepositID
	for id := range s.custody {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b DepositID) int { return bytes.Compare(a[:], b[:]) })
	out := make([]effects.Value, len(ids))
	for i, id := range ids {
		h := s.custody[id]
		out[i] = effects.Map(map[string]effects.Value{
			"id": effects.Bytes(id[:]), "depositor": effects.String(h.sealed.Depositor.String()),
			"recipient": effects.String(h.sealed.Recipient.String()), "bytes": effects.Int(int64(len(h.sealed.Payload))),
			"expires_ms": effects.Int(h.expiresMs), "retrieved": effects.Int(int64(h.retrieved)),
		})
	}
	return effects.List(out...)
}

func (s *Service) receivedValue(extra map[string]effects.Value) effects.Value {
	s.mu.Lock()
	defer s.mu.Unlock()
	recv := make([]effects.Value, len(s.recvd))
	for i, id := range s.recvd {
		r := s.received[id]
		hs := make([]effects.Value, len(r.Holders))
		for j, h := range r.Holders {
			hs[j] = effects.String(h.String())
		}
		recv[i] = effects.Map(map[string]effects.Value{
			"id": effects.Bytes(id[:]), "depositor": effects.String(r.Sealed.Depositor.String()),
			"payload": effects.Bytes(r.Sealed.Payload), "created_ms": effects.Int(r.Sealed.CreatedMs), "holders": effects.List(hs...),
		})
	}
	refs := make([]effects.Value, len(s.refusals))
	for i, r := range s.refusals {
		refs[i] = effects.Map(map[string]effects.Value{
			"holder": effects.String(r.Holder.String()), "deposit": effects.Bytes(r.Deposit[:]),
			"reason": effects.String(string(r.Err.Code) + ": " + r.Err.Message), "at_ms": effects.Int(r.AtMs),
		})
	}
	m := map[string]effects.Value{"received": effects.List(recv...), "refusals": effects.List(refs...)}
	for k, v := range extra {
		m[k] = v
	}
	return effects.Map(m)
}

func (s *Service) scoreValue(h effects.AuthorityID) effects.Value {
	sc := Score{}
	if p := s.scores[h]; p != nil {
		sc = *p
	}
	return effects.Map(map[string]effects.Value{"holder": effects.String(h.String()),
		"delivered": effects.Int(int64(sc.Delivered)), "failed": effects.Int(int64(sc.Failed))})
}

func sortValues(vs []effects.Value) {
	slices.SortFunc(vs, func(a, b effects.Value) int { return bytes.Compare(a.Canonical(), b.Canonical()) })
}

// Go-side views for tests and the agent's facade.

// ReceivedEnvelopes returns the envelopes received and verified, in
// arrival order.
func (s *Service) ReceivedEnvelopes() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Received, len(s.recvd))
	for i, id := range s.recvd {
		r := *s.received[id]
		r.Holders = slices.Clone(r.Holders)
		out[i] = r
	}
	return out
}

// Refusals returns the retrieval refusals remembered, oldest first.
func (s *Service) Refusals() []RetrievalRefusal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.refusals)
}

// Scores returns the holders' scores from verified witnesses.
func (s *Service) Scores() map[effects.AuthorityID]Score {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[effects.AuthorityID]Score{}
	for h, sc := range s.scores {
		out[h] = *sc
	}
	return out
}

// DepositRecord returns a copy of one of our deposits.
func (s *Service) DepositRecord(id DepositID) (Deposit, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.deposits[id]
	if !ok {
		return Deposit{}, false
	}
	c := *d
	c.Holders, c.Acked = slices.Clone(d.Holders), slices.Clone(d.Acked)
	return c, true
}

// HeldCount is how many envelopes this agent holds for others.
func (s *Service) HeldCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.custody)
}

// Stats returns the counters.
func (s *Service) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// QueueLen is how many messages wait for peer.
func (s *Service) QueueLen(peer effects.AuthorityID) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.queues[peer]; q != nil {
		return q.Len()
	}
	return 0
}
