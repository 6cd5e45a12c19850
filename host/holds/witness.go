package holds

import (
	"context"
	"crypto/ed25519"
	"fmt"

	"github.com/aurahost/aura-host/effects"
)

// Outcome is what a witness says a holder did.
type Outcome string

// The outcomes.
const (
	Delivered Outcome = "delivered" // the holder delivered the envelope intact
	Failed    Outcome = "failed"    // the holder delivered one that does not verify
)

// Witness is a recipient's signed statement (PurposeHoldWitness) that a
// holder delivered a deposit to it, or failed to. Only the depositor who
// chose the holder acts on it, and only once it verified the signature
// against the recipient's device key as the deployment knows it.
type Witness struct {
	Deposit   DepositID
	Depositor effects.AuthorityID
	Holder    effects.AuthorityID
	Recipient effects.AuthorityID
	Outcome   Outcome
	AtMs      int64
	Signature []byte
}

func (w *Witness) body() map[string]effects.Value {
	return map[string]effects.Value{
		"v": effects.Int(1), "deposit": effects.Bytes(w.Deposit[:]), "depositor": effects.Bytes(w.Depositor[:]),
		"holder": effects.Bytes(w.Holder[:]), "recipient": effects.Bytes(w.Recipient[:]),
		"outcome": effects.String(string(w.Outcome)), "at_ms": effects.Int(w.AtMs),
	}
}

// SignedBytes are the bytes the recipient's device signs.
func (w *Witness) SignedBytes() []byte { return effects.Map(w.body()).Canonical() }

// Encode is the witness's canonical encoding, signature included.
func (w *Witness) Encode() []byte {
	m := w.body()
	m["signature"] = effects.Bytes(w.Signature)
	return effects.Map(m).Canonical()
}

// DecodeWitness parses a witness strictly; it does not verify it.
func DecodeWitness(b []byte) (*Witness, error) {
	v, err := effects.DecodeCanonical(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadWitness, err)
	}
	r := reader{v: v}
	w := &Witness{Outcome: Outcome(r.str("outcome")), AtMs: r.int("at_ms"), Signature: r.bytes("signature")}
	r.id16("deposit", w.Deposit[:])
	r.id16("depositor", w.Depositor[:])
	r.id16("holder", w.Holder[:])
	r.id16("recipient", w.Recipient[:])
	if r.int("v") != 1 {
		r.fail("v", "1")
	}
	if r.err == nil && (w.Outcome != Delivered && w.Outcome != Failed) {
		r.fail("outcome", `"delivered" or "failed"`)
	}
	if r.err == nil && len(v.Fields()) != 8 {
		r.err = fmt.Errorf("%d fields, want 8", len(v.Fields()))
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadWitness, r.err)
	}
	return w, nil
}

// verifyWitness checks w's signature against its recipient's device key.
func verifyWitness(ctx context.Context, inv Invoker, w *Witness) error {
	pub, err := peerKey(ctx, inv, w.Recipient)
	if err != nil {
		return err
	}
	if !ed25519.Verify(pub, effects.DeviceSigningMessage(effects.PurposeHoldWitness, w.SignedBytes()), w.Signature) {
		return fmt.Errorf("%w: the signature is not %s's", ErrBadWitness, w.Recipient)
	}
	return nil
}

// Score is a holder's record from verified witnesses.
type Score struct {
	Delivered, Failed int
}

// Rate is the holder's success rate, with one imagined success and
// failure each so that a holder never seen ranks between a good and a bad
// one.
func (s Score) Rate() float64 {
	return float64(s.Delivered+1) / float64(s.Delivered+s.Failed+2)
}
