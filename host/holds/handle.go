package holds

import (
	"context"
	"errors"
	"fmt"

	"github.com/aurahost/aura-host/effects"
)

// handle answers one message from peer src, whose envelope's source the
// guard chain authenticated (its receipt verified against src's device
// key). Nothing in it is trusted beyond that: a malformed, replayed or
// stale message is counted and dropped.
func (s *Service) handle(ctx context.Context, src effects.AuthorityID, payload []byte) {
	now, err := s.now(ctx)
	if err != nil {
		s.cfg.Logger.Warn("holds: dropping a message: no clock", "error", err)
		return
	}
	m, err := decodeMessage(payload)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.stats.Malformed++
		s.cfg.Logger.Warn("holds: dropping a malformed message", "peer", src, "error", err)
		return
	}
	if err := s.windows[src].Accept(m.ID, m.SentMs, now); err != nil {
		s.stats.Replays++
		s.cfg.Logger.Debug("holds: dropping a message", "peer", src, "kind", m.Kind, "error", err)
		return
	}
	s.stats.Received++
	switch m.Kind {
	case kindDeposit:
		err = s.onDeposit(ctx, src, m, now)
	case kindAck:
		err = s.onAck(src, m)
	case kindHello:
		err = s.onHello(ctx, src, now)
	case kindOffer:
		err = s.onOffer(ctx, src, m, now)
	case kindRetrieve:
		err = s.onRetrieve(src, m, now)
	case kindDeliver:
		err = s.onDeliver(ctx, src, m, now)
	case kindWitness:
		var raw []byte
		if raw, err = m.bytesField("witness"); err == nil {
			_, err = s.witness(ctx, raw)
		}
	}
	if err != nil {
		s.stats.Malformed++
		s.cfg.Logger.Warn("holds: refused a message", "peer", src, "kind", m.Kind, "error", err)
	}
}

// onDeposit keeps a sealed envelope for its recipient, if it is the
// sender's own, signed, unexpired and within the bounds; it acknowledges
// or says why not.
func (s *Service) onDeposit(ctx context.Context, src effects.AuthorityID, m message, now int64) error {
	raw, err := m.bytesField("sealed")
	if err != nil {
		return err
	}
	sealed, err := DecodeSealed(raw)
	if err != nil {
		return err
	}
	ack := func(r Refusal) error {
		f := map[string]effects.Value{"deposit": effects.Bytes(sealed.ID[:])}
		if r != "" {
			f["refusal"] = effects.String(string(r))
		}
		return s.enqueue(src, kindAck, f, now)
	}
	switch {
	case sealed.Depositor != src || now >= sealed.ExpiresMs || len(sealed.Payload) > MaxPayload:
		return errors.Join(fmt.Errorf("%w: from %s, depositor %s, expires %dms at %dms", ErrBadEnvelope, src, sealed.Depositor, sealed.ExpiresMs, now), ack(RefusedBadEnvelope))
	}
	if err := verifySealed(ctx, s.cfg.Invoke, sealed); err != nil {
		return errors.Join(err, ack(RefusedBadEnvelope))
	}
	if _, ok := s.custody[sealed.ID]; ok {
		return ack("") // a deposit sent again: held already
	}
	mine := 0
	for _, h := range s.custody {
		if h.sealed.Depositor == src {
			mine++
		}
	}
	if mine >= s.cfg.MaxPerDepositor || len(s.custody) >= s.cfg.MaxHeld {
		return errors.Join(fmt.Errorf("%w: %d held for %s, %d in all", ErrHolderFull, mine, src, len(s.custody)), ack(RefusedFull))
	}
	h := &held{sealed: sealed, receivedMs: now, expiresMs: min(sealed.ExpiresMs, now+s.cfg.Retention.Milliseconds())}
	if err := s.store(ctx, storageKey(custodyPrefix, sealed.ID), h.encode()); err != nil {
		return fmt.Errorf("holds: keep deposit %s: %w", sealed.ID, err) // no ack: the depositor's record stays pending
	}
	s.custody[sealed.ID] = h
	return ack("")
}

// onAck records a holder's answer to one of our deposits.
func (s *Service) onAck(src effects.AuthorityID, m message) error {
	id, err := m.depositField()
	if err != nil {
		return err
	}
	d, ok := s.deposits[id]
	if !ok {
		return fmt.Errorf("%w: %s acknowledged %s", ErrUnknownDeposit, src, id)
	}
	ev := depositEvent{kind: "ack", holder: src}
	if r := m.optString("refusal"); r != "" {
		ev.kind = "refusal"
		s.cfg.Logger.Info("holds: a holder refused a deposit", "holder", src, "deposit", id, "reason", r)
	}
	return d.apply(ev)
}

// onHello issues the sender a fresh capability — superseding its earlier
// ones — and offers what we hold for it.
func (s *Service) onHello(ctx context.Context, src effects.AuthorityID, now int64) error {
	c := s.caps.next(src, now)
	sig, err := sign(ctx, s.cfg.Invoke, effects.PurposeHoldCapability, c.SignedBytes())
	if err != nil {
		return err
	}
	c.Signature = sig
	s.caps.record(c)
	var ids []effects.Value
	for id, h := range s.custody {
		if h.sealed.Recipient == src && now < h.expiresMs && len(ids) < maxOffered {
			ids = append(ids, effects.Bytes(id[:]))
		}
	}
	sortValues(ids)
	return s.enqueue(src, kindOffer, map[string]effects.Value{"capability": effects.Bytes(c.Encode()), "deposits": effects.List(ids...)}, now)
}

// onOffer takes a holder's capability (checked: signed by that holder,
// for us, newer than the one we have) and retrieves what it offers that
// we have not received.
func (s *Service) onOffer(ctx context.Context, src effects.AuthorityID, m message, now int64) error {
	raw, err := m.bytesField("capability")
	if err != nil {
		return err
	}
	c, err := DecodeCapability(raw)
	if err != nil {
		return err
	}
	if c.Holder != src || c.Recipient != s.cfg.Self {
		return fmt.Errorf("%w: %s offered a capability of %s for %s", ErrBadCapability, src, c.Holder, c.Recipient)
	}
	if err := verifyCapability(ctx, s.cfg.Invoke, c); err != nil {
		return err
	}
	if old := s.wallet[src]; old != nil && old.Epoch >= c.Epoch {
		return nil // an older offer overtaken by a newer one
	}
	s.wallet[src] = c
	for k := range s.asked { // what was asked under older capabilities of this holder is moot
		if k.holder == src && k.epoch < c.Epoch {
			delete(s.asked, k)
		}
	}
	dv, _ := m.Fields.Get("deposits")
	var offered []DepositID
	for _, it := range dv.Items() {
		b, ok := it.AsBytes()
		if !ok || len(b) != 16 || len(offered) >= maxOffered {
			continue
		}
		var id DepositID
		copy(id[:], b)
		if r, ok := s.received[id]; ok && containsID(r.Holders, src) {
			continue
		}
		offered = append(offered, id)
	}
	s.offered[src] = offered
	return s.retrieveOffered(src, now)
}

// retrieveOffered asks holder for each deposit it offered, once per
// capability epoch. The caller holds mu.
func (s *Service) retrieveOffered(holder effects.AuthorityID, now int64) error {
	c := s.wallet[holder]
	if c == nil {
		return nil
	}
	var errs []error
	for _, id := range s.offered[holder] {
		k := askKey{holder: holder, deposit: id, epoch: c.Epoch}
		if s.asked[k] {
			continue
		}
		if err := s.enqueue(holder, kindRetrieve, map[string]effects.Value{
			"deposit": effects.Bytes(id[:]), "capability": effects.Bytes(c.Encode())}, now); err != nil {
			errs = append(errs, err)
			continue
		}
		s.asked[k] = true
	}
	return errors.Join(errs...)
}

// onRetrieve delivers a held envelope to its recipient, if the sender is
// that recipient and its capability is the newest we issued it and
// unexpired; otherwise it says why not.
func (s *Service) onRetrieve(src effects.AuthorityID, m message, now int64) error {
	id, err := m.depositField()
	if err != nil {
		return err
	}
	epoch := int64(0) // of the capability refused, echoed so the recipient knows which
	refuse := func(r Refusal) error {
		return s.enqueue(src, kindDeliver, map[string]effects.Value{"deposit": effects.Bytes(id[:]), "refusal": effects.String(string(r)),
			"epoch": effects.Int(epoch)}, now)
	}
	raw, err := m.bytesField("capability")
	if err != nil {
		return errors.Join(err, refuse(RefusedBadCapability))
	}
	c, err := DecodeCapability(raw)
	if err != nil {
		return errors.Join(err, refuse(RefusedBadCapability))
	}
	epoch = c.Epoch
	if r := s.checkRetrieve(c, src, id, now); r != "" {
		return errors.Join(refusalError(r, fmt.Sprintf("retrieval of %s by %s", id, src)), refuse(r))
	}
	h := s.custody[id]
	h.retrieved++
	return s.enqueue(src, kindDeliver, map[string]effects.Value{"deposit": effects.Bytes(id[:]), "sealed": effects.Bytes(h.sealed.Encode())}, now)
}

// checkRetrieve decides a retrieval: capability first (who asks, which
// epoch, until when), then the deposit (held, and for the asker).
func (s *Service) checkRetrieve(c *Capability, src effects.AuthorityID, id DepositID, now int64) Refusal {
	if r := s.caps.check(c, src, now); r != "" {
		return r
	}
	h, ok := s.custody[id]
	switch {
	case !ok || now >= h.expiresMs:
		return RefusedUnknown
	case h.sealed.Recipient != src:
		return RefusedNotRecipient
	}
	return ""
}

// onDeliver takes a holder's delivery: a refusal is remembered (and an
// expired or superseded capability dropped, so that Refresh asks again at
// once); an envelope is verified — ours, intact, signed by its depositor —
// kept, and witnessed to its depositor either way.
func (s *Service) onDeliver(ctx context.Context, src effects.AuthorityID, m message, now int64) error {
	id, err := m.depositField()
	if err != nil {
		return err
	}
	if r := m.optString("refusal"); r != "" {
		s.refuse(src, id, refusalError(Refusal(r), "from holder "+src.String()), now)
		// Drop the capability refused — not a newer one since received —
		// so that Refresh asks for a fresh one at once.
		ev, _ := m.Fields.Get("epoch")
		epoch, _ := ev.AsInt()
		if c := s.wallet[src]; (Refusal(r) == RefusedExpired || Refusal(r) == RefusedSuperseded) && c != nil && c.Epoch <= epoch {
			delete(s.wallet, src)
			delete(s.hello, src)
		}
		return nil
	}
	raw, err := m.bytesField("sealed")
	if err != nil {
		return err
	}
	sealed, err := DecodeSealed(raw)
	if err != nil {
		s.refuse(src, id, refusalError(RefusedBadEnvelope, err.Error()), now)
		return err
	}
	verr := error(nil)
	if sealed.ID != id || sealed.Recipient != s.cfg.Self {
		verr = fmt.Errorf("%w: delivered as %s, for %s", ErrBadEnvelope, id, sealed.Recipient)
	} else {
		verr = verifySealed(ctx, s.cfg.Invoke, sealed)
	}
	if verr != nil {
		s.refuse(src, id, refusalError(RefusedBadEnvelope, verr.Error()), now)
		return errors.Join(verr, s.sendWitness(ctx, sealed, src, Failed, now))
	}
	r, ok := s.received[id]
	if !ok {
		if len(s.received) >= s.cfg.MaxReceived {
			return fmt.Errorf("%w: %d envelopes received and kept already", ErrHolderFull, len(s.received))
		}
		if err := s.store(ctx, storageKey(receivedPrefix, id), sealed.Encode()); err != nil {
			return fmt.Errorf("holds: keep received %s: %w", id, err)
		}
		r = &Received{Sealed: sealed, AtMs: now}
		s.received[id] = r
		s.recvd = append(s.recvd, id)
	}
	if containsID(r.Holders, src) {
		return nil
	}
	r.Holders = append(r.Holders, src)
	return s.sendWitness(ctx, sealed, src, Delivered, now)
}

// refuse remembers a refused retrieval (the newest maxRefusals).
func (s *Service) refuse(holder effects.AuthorityID, id DepositID, err *effects.Error, now int64) {
	s.refusals = append(s.refusals, RetrievalRefusal{Holder: holder, Deposit: id, Err: err, AtMs: now})
	if len(s.refusals) > maxRefusals {
		s.refusals = s.refusals[len(s.refusals)-maxRefusals:]
	}
}

// sendWitness signs a witness of holder's delivery of sealed and queues
// it for the depositor (when the depositor is a peer).
func (s *Service) sendWitness(ctx context.Context, sealed *Sealed, holder effects.AuthorityID, o Outcome, now int64) error {
	if !s.peers[sealed.Depositor] {
		return nil
	}
	w := &Witness{Deposit: sealed.ID, Depositor: sealed.Depositor, Holder: holder, Recipient: s.cfg.Self, Outcome: o, AtMs: now}
	sig, err := sign(ctx, s.cfg.Invoke, effects.PurposeHoldWitness, w.SignedBytes())
	if err != nil {
		return err
	}
	w.Signature = sig
	return s.enqueue(sealed.Depositor, kindWitness, map[string]effects.Value{"witness": effects.Bytes(w.Encode())}, now)
}

// witness verifies a witness and, for one of our deposits with that
// holder and recipient, counted once, moves the holder's score. The
// caller holds mu.
func (s *Service) witness(ctx context.Context, raw []byte) (*Witness, error) {
	w, err := DecodeWitness(raw)
	if err != nil {
		return nil, &effects.Error{Code: effects.CodeInvalidArgs, Message: err.Error(), Err: err}
	}
	if err := verifyWitness(ctx, s.cfg.Invoke, w); err != nil {
		return nil, &effects.Error{Code: effects.CodeInvalidSignature, Message: err.Error(), Err: err}
	}
	d, ok := s.deposits[w.Deposit]
	if w.Depositor != s.cfg.Self || !ok || d.Recipient != w.Recipient {
		err := fmt.Errorf("%w: deposit %s is not ours for %s", ErrBadWitness, w.Deposit, w.Recipient)
		return nil, &effects.Error{Code: effects.CodeDenied, Message: err.Error(), Err: err}
	}
	if err := d.apply(depositEvent{kind: "witness", holder: w.Holder, outcome: w.Outcome}); err != nil {
		return nil, err
	}
	sc := s.scores[w.Holder]
	if sc == nil {
		sc = &Score{}
		s.scores[w.Holder] = sc
	}
	if w.Outcome == Delivered {
		sc.Delivered++
	} else {
		sc.Failed++
	}
	return w, nil
}

func containsID(l []effects.AuthorityID, id effects.AuthorityID) bool {
	for _, x := range l {
		if x == id {
			return true
		}
	}
	return false
}
