package holds

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"

	"github.com/aurahost/aura-host/effects"
)

// DepositID names a sealed envelope: the first 16 bytes of SHA-256 over
// its signed body without the id, so an id names one body.
type DepositID [16]byte

func (id DepositID) String() string { return fmt.Sprintf("%x", id[:]) }

// Sealed is an envelope deposited for a recipient: its payload is opaque
// to holders (they never interpret it), and the depositor's device
// signature (PurposeHoldEnvelope) binds it to depositor and recipient, so
// a holder can neither alter it nor pass it off as for someone else.
type Sealed struct {
	ID        DepositID
	Depositor effects.AuthorityID
	Recipient effects.AuthorityID
	CreatedMs int64
	ExpiresMs int64
	Payload   []byte
	Signature []byte
}

// body is the canonical map without the signature (and, withID false,
// without the id: what the id hashes).
func (s *Sealed) body(withID bool) effects.Value {
	m := map[string]effects.Value{
		"v": effects.Int(1), "depositor": effects.Bytes(s.Depositor[:]), "recipient": effects.Bytes(s.Recipient[:]),
		"created_ms": effects.Int(s.CreatedMs), "expires_ms": effects.Int(s.ExpiresMs), "payload": effects.Bytes(s.Payload),
	}
	if withID {
		m["id"] = effects.Bytes(s.ID[:])
	}
	return effects.Map(m)
}

func (s *Sealed) computeID() DepositID {
	sum := sha256.Sum256(s.body(false).Canonical())
	var id DepositID
	copy(id[:], sum[:16])
	return id
}

// SignedBytes are the bytes the depositor's device signs.
func (s *Sealed) SignedBytes() []byte { return s.body(true).Canonical() }

// Encode is the sealed envelope's canonical encoding, signature included.
func (s *Sealed) Encode() []byte {
	v := s.body(true)
	m := map[string]effects.Value{"signature": effects.Bytes(s.Signature)}
	for _, f := range v.Fields() {
		m[f.Key] = f.Value
	}
	return effects.Map(m).Canonical()
}

// DecodeSealed parses a sealed envelope strictly; it does not verify it.
func DecodeSealed(b []byte) (*Sealed, error) {
	v, err := effects.DecodeCanonical(b)
	if err != nil {
		return nil, fmt.Errorf("sealed envelope: %w", err)
	}
	r := reader{v: v}
	s := &Sealed{CreatedMs: r.int("created_ms"), ExpiresMs: r.int("expires_ms"), Payload: r.bytes("payload"), Signature: r.bytes("signature")}
	r.id16("id", s.ID[:])
	r.id16("depositor", s.Depositor[:])
	r.id16("recipient", s.Recipient[:])
	if r.int("v") != 1 {
		r.fail("v", "1")
	}
	if r.err == nil && len(v.Fields()) != 8 {
		r.err = fmt.Errorf("sealed envelope: %d fields, want 8", len(v.Fields()))
	}
	if r.err != nil {
		return nil, r.err
	}
	return s, nil
}

// seal signs a new sealed envelope with the agent's device.
func seal(ctx context.Context, inv Invoker, s *Sealed) error {
	s.ID = s.computeID()
	sig, err := sign(ctx, inv, effects.PurposeHoldEnvelope, s.SignedBytes())
	if err != nil {
		return err
	}
	s.Signature = sig
	return nil
}

// verifySealed checks that s is intact and signed by its depositor's
// device key as the deployment knows it.
func verifySealed(ctx context.Context, inv Invoker, s *Sealed) error {
	if s.ID != s.computeID() {
		return fmt.Errorf("%w: its id does not match its body", ErrBadEnvelope)
	}
	pub, err := peerKey(ctx, inv, s.Depositor)
	if err != nil {
		return err
	}
	if !ed25519.Verify(pub, effects.DeviceSigningMessage(effects.PurposeHoldEnvelope, s.SignedBytes()), s.Signature) {
		return fmt.Errorf("%w: the signature is not %s's", ErrBadEnvelope, s.Depositor)
	}
	return nil
}

// sign signs message under purpose with the agent's device (device.sign).
func sign(ctx context.Context, inv Invoker, purpose string, message []byte) ([]byte, error) {
	v, err := inv(ctx, effects.DeviceSign, effects.Map(map[string]effects.Value{
		"message": effects.Bytes(message), "purpose": effects.String(purpose)}))
	if err != nil {
		return nil, fmt.Errorf("sign (%s): %w", purpose, err)
	}
	sig, ok := v.AsBytes()
	if !ok || len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("sign (%s): device.sign answered %v, want a 64-byte signature", purpose, v)
	}
	return sig, nil
}

// peerKey is the device key the deployment knows for id
// (device.public_key), the only trust anchor for another authority.
func peerKey(ctx context.Context, inv Invoker, id effects.AuthorityID) (ed25519.PublicKey, error) {
	v, err := inv(ctx, effects.DevicePublicKey, effects.Map(map[string]effects.Value{"authority": effects.String(id.String())}))
	if err != nil {
		return nil, fmt.Errorf("the device key of %s: %w", id, err)
	}
	pub, ok := v.AsBytes()
	if !ok || len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("the device key of %s: device.public_key answered %v", id, v)
	}
	return pub, nil
}

// reader reads typed fields of a decoded map, keeping the first error.
type reader struct {
	v   effects.Value
	err error
}

func (r *reader) fail(field, want string) {
	if r.err == nil {
		r.err = fmt.Errorf("field %q: want %s", field, want)
	}
}

func (r *reader) get(field string) (effects.Value, bool) {
	if r.v.Kind() != effects.KindMap {
		r.fail(field, "a map around it")
		return effects.Value{}, false
	}
	return r.v.Get(field)
}

func (r *reader) int(field string) int64 {
	f, _ := r.get(field)
	n, ok := f.AsInt()
	if !ok {
		r.fail(field, "an int")
	}
	return n
}

func (r *reader) str(field string) string {
	f, _ := r.get(field)
	s, ok := f.AsString()
	if !ok {
		r.fail(field, "a string")
	}
	return s
}

func (r *reader) bytes(field string) []byte {
	f, _ := r.get(field)
	b, ok := f.AsBytes()
	if !ok {
		r.fail(field, "bytes")
	}
	return b
}

func (r *reader) id16(field string, dst []byte) {
	b := r.bytes(field)
	if r.err == nil && len(b) != 16 {
		r.fail(field, "16 bytes")
	}
	copy(dst, b)
}
