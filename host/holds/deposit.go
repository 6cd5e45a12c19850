package holds

import (
	"fmt"
	"slices"

	"github.com/aurahost/aura-host/effects"
)

// DepositState is where one of the agent's own deposits stands.
type DepositState string

// The deposit states. Expired is terminal; Delivered and Refused end the
// deposit's traffic but it is kept, for status, until it expires.
//
//	pending --ack--> held --witness(delivered)--> delivered
//	pending --every holder refused--> refused
//	pending|held --witness(delivered)--> delivered
//	any but expired --expire (retention passed)--> expired
const (
	DepositPending   DepositState = "pending"
	DepositHeld      DepositState = "held"
	DepositRefused   DepositState = "refused"
	DepositDelivered DepositState = "delivered"
	DepositExpired   DepositState = "expired"
)

// Deposit is the depositor's record of one deposit.
type Deposit struct {
	ID        DepositID
	Recipient effects.AuthorityID
	Holders   []effects.AuthorityID
	CreatedMs int64
	ExpiresMs int64
	State     DepositState
	Acked     []effects.AuthorityID        // holders that keep it
	Refused   map[effects.AuthorityID]bool // holders that refused it
	Witnessed map[effects.AuthorityID]Outcome
}

// depositEvent is what moves a deposit.
type depositEvent struct {
	kind    string // "ack", "refusal", "witness", "expire"
	holder  effects.AuthorityID
	outcome Outcome
	nowMs   int64
}

// apply moves d by ev, or says why it may not: an event from a holder the
// deposit did not go to, a second answer of one holder, an event after
// expiry.
func (d *Deposit) apply(ev depositEvent) error {
	if d.State == DepositExpired {
		return effects.Errorf(effects.CodeConflict, "deposit %s expired", d.ID)
	}
	if ev.kind == "expire" {
		if ev.nowMs < d.ExpiresMs {
			return effects.Errorf(effects.CodeConflict, "deposit %s expires at %dms, not yet at %dms", d.ID, d.ExpiresMs, ev.nowMs)
		}
		d.State = DepositExpired
		return nil
	}
	if !slices.Contains(d.Holders, ev.holder) {
		return effects.Errorf(effects.CodeDenied, "%s is not a holder of deposit %s", ev.holder, d.ID)
	}
	switch ev.kind {
	case "ack", "refusal":
		if slices.Contains(d.Acked, ev.holder) || d.Refused[ev.holder] {
			return effects.Errorf(effects.CodeConflict, "%s answered deposit %s already", ev.holder, d.ID)
		}
		if ev.kind == "ack" {
			d.Acked = append(d.Acked, ev.holder)
			if d.State == DepositPending || d.State == DepositRefused {
				d.State = DepositHeld
			}
			return nil
		}
		if d.Refused == nil {
			d.Refused = map[effects.AuthorityID]bool{}
		}
		d.Refused[ev.holder] = true
		if d.State == DepositPending && len(d.Refused) == len(d.Holders) {
			d.State = DepositRefused
		}
		return nil
	case "witness":
		if _, ok := d.Witnessed[ev.holder]; ok {
			return effects.Errorf(effects.CodeConflict, "a witness of %s for deposit %s counted already", ev.holder, d.ID)
		}
		if d.Witnessed == nil {
			d.Witnessed = map[effects.AuthorityID]Outcome{}
		}
		d.Witnessed[ev.holder] = ev.outcome
		if ev.outcome == Delivered {
			d.State = DepositDelivered
		}
		return nil
	}
	return fmt.Errorf("holds: unknown deposit event %q", ev.kind)
}

// value is the deposit as an operation result.
func (d *Deposit) value() effects.Value {
	ids := func(l []effects.AuthorityID) effects.Value {
		out := make([]effects.Value, len(l))
		for i, id := range l {
			out[i] = effects.String(id.String())
		}
		return effects.List(out...)
	}
	var refused []effects.AuthorityID
	for _, h := range d.Holders {
		if d.Refused[h] {
			refused = append(refused, h)
		}
	}
	return effects.Map(map[string]effects.Value{
		"id": effects.Bytes(d.ID[:]), "recipient": effects.String(d.Recipient.String()), "holders": ids(d.Holders),
		"acked": ids(d.Acked), "refused": ids(refused), "state": effects.String(string(d.State)),
		"created_ms": effects.Int(d.CreatedMs), "expires_ms": effects.Int(d.ExpiresMs),
	})
}

// held is one envelope this agent holds for another (the holder's side):
// held until ExpiresMs, then removed by GC; Retrieved counts deliveries.
type held struct {
	sealed     *Sealed
	receivedMs int64
	expiresMs  int64
	retrieved  int
}

// encode is the custody record as stored.
func (h *held) encode() []byte {
	return effects.Map(map[string]effects.Value{
		"sealed": effects.Bytes(h.sealed.Encode()), "received_ms": effects.Int(h.receivedMs), "expires_ms": effects.Int(h.expiresMs),
	}).Canonical()
}

func decodeHeld(b []byte) (*held, error) {
	v, err := effects.DecodeCanonical(b)
	if err != nil {
		return nil, err
	}
	r := reader{v: v}
	h := &held{receivedMs: r.int("received_ms"), expiresMs: r.int("expires_ms")}
	raw := r.bytes("sealed")
	if r.err != nil {
		return nil, r.err
	}
	if h.sealed, err = DecodeSealed(raw); err != nil {
		return nil, err
	}
	return h, nil
}
