package holds

import (
	"context"
	"crypto/ed25519"
	"fmt"

	"github.com/aurahost/aura-host/effects"
)

// Capability lets one recipient retrieve from one holder until ExpiresMs.
// The holder issues it, in answer to the recipient's hello (whose envelope
// source the guard chain authenticated), signed by the holder's device
// (PurposeHoldCapability). Each issue to a recipient increments Epoch and
// supersedes every earlier capability of that recipient.
type Capability struct {
	Holder    effects.AuthorityID
	Recipient effects.AuthorityID
	Epoch     int64
	IssuedMs  int64
	ExpiresMs int64
	Signature []byte
}

func (c *Capability) body() map[string]effects.Value {
	return map[string]effects.Value{
		"v": effects.Int(1), "holder": effects.Bytes(c.Holder[:]), "recipient": effects.Bytes(c.Recipient[:]),
		"epoch": effects.Int(c.Epoch), "issued_ms": effects.Int(c.IssuedMs), "expires_ms": effects.Int(c.ExpiresMs),
	}
}

// SignedBytes are the bytes the holder's device signs.
func (c *Capability) SignedBytes() []byte { return effects.Map(c.body()).Canonical() }

// Encode is the capability's canonical encoding, signature included.
func (c *Capability) Encode() []byte {
	m := c.body()
	m["signature"] = effects.Bytes(c.Signature)
	return effects.Map(m).Canonical()
}

// DecodeCapability parses a capability strictly; it does not verify it.
func DecodeCapability(b []byte) (*Capability, error) {
	v, err := effects.DecodeCanonical(b)
	if err != nil {
		return nil, fmt.Errorf("capability: %w", err)
	}
	r := reader{v: v}
	c := &Capability{Epoch: r.int("epoch"), IssuedMs: r.int("issued_ms"), ExpiresMs: r.int("expires_ms"), Signature: r.bytes("signature")}
	r.id16("holder", c.Holder[:])
	r.id16("recipient", c.Recipient[:])
	if r.int("v") != 1 {
		r.fail("v", "1")
	}
	if r.err == nil && len(v.Fields()) != 7 {
		r.err = fmt.Errorf("capability: %d fields, want 7", len(v.Fields()))
	}
	if r.err != nil {
		return nil, fmt.Errorf("capability: %w", r.err)
	}
	return c, nil
}

// verifyCapability checks a capability's signature against its holder's
// key as the deployment knows it (the recipient's check of an offer).
func verifyCapability(ctx context.Context, inv Invoker, c *Capability) error {
	pub, err := peerKey(ctx, inv, c.Holder)
	if err != nil {
		return err
	}
	if !ed25519.Verify(pub, effects.DeviceSigningMessage(effects.PurposeHoldCapability, c.SignedBytes()), c.Signature) {
		return fmt.Errorf("%w: not signed by holder %s", ErrBadCapability, c.Holder)
	}
	return nil
}

// issued is what a holder remembers of the newest capability it issued to
// one recipient.
type issued struct {
	epoch     int64
	expiresMs int64
	signature string
}

// capabilities is a holder's capability state: per recipient, the newest
// epoch issued. It is a pure state machine (no effects, time passed in).
//
//	none --issue--> epoch 1 --issue--> epoch 2 ...   (each issue supersedes)
//	check(cap, source, now): source ≠ cap.Recipient → not_recipient;
//	  cap.Holder ≠ us or unknown epoch or signature ≠ issued → bad_capability;
//	  epoch < newest → superseded; now ≥ expiry → expired; else ok.
type capabilities struct {
	self   effects.AuthorityID
	ttlMs  int64
	newest map[effects.AuthorityID]issued
}

func newCapabilities(self effects.AuthorityID, ttlMs int64) *capabilities {
	return &capabilities{self: self, ttlMs: ttlMs, newest: map[effects.AuthorityID]issued{}}
}

// next is the unsigned capability the next issue to recipient makes.
func (cs *capabilities) next(recipient effects.AuthorityID, nowMs int64) *Capability {
	return &Capability{Holder: cs.self, Recipient: recipient, Epoch: cs.newest[recipient].epoch + 1,
		IssuedMs: nowMs, ExpiresMs: nowMs + cs.ttlMs}
}

// record makes c (signed) the newest capability of its recipient,
// superseding every earlier one.
func (cs *capabilities) record(c *Capability) {
	cs.newest[c.Recipient] = issued{epoch: c.Epoch, expiresMs: c.ExpiresMs, signature: string(c.Signature)}
}

// check decides whether source may retrieve with c at nowMs; the refusal
// is empty when it may.
func (cs *capabilities) check(c *Capability, source effects.AuthorityID, nowMs int64) Refusal {
	if source != c.Recipient {
		return RefusedNotRecipient
	}
	cur, ok := cs.newest[c.Recipient]
	switch {
	case c.Holder != cs.self || !ok || c.Epoch > cur.epoch || c.Epoch < 1:
		return RefusedBadCapability
	case c.Epoch < cur.epoch:
		return RefusedSuperseded
	case string(c.Signature) != cur.signature || c.ExpiresMs != cur.expiresMs:
		return RefusedBadCapability
	case nowMs >= c.ExpiresMs:
		return RefusedExpired
	}
	return ""
}
