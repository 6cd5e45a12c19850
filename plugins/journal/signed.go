package journal

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/aurahost/aura-host/effects"
)

// The fields of a signed fact, beside the five every fact has.
const (
	SignerField    = "signer"    // bytes: the 32-byte Ed25519 public key that signed
	SignatureField = "signature" // bytes: the 64-byte Ed25519 signature
)

// FactSigningContext starts the message a fact's signature covers, so that
// a fact signature can never be replayed as a signature of anything else
// the same key signs.
const FactSigningContext = "aura-fact/v1\x00"

// ErrUnsignedFact is returned by VerifyFactSignature for a fact with
// neither a signer nor a signature field.
var ErrUnsignedFact = errors.New("the fact is not signed: it has no signer and no signature field")

// FactSigningBytes returns what a fact's signature covers:
// FactSigningContext followed by the canonical encoding
// (effects.Value.Canonical) of the fact map without its signature field —
// the signer field included, so a signature names its own key. fact must be
// a map.
func FactSigningBytes(fact effects.Value) []byte {
	fields := fact.Fields()
	kept := make([]effects.Field, 0, len(fields))
	for _, f := range fields {
		if f.Key != SignatureField {
			kept = append(kept, f)
		}
	}
	unsigned, err := effects.SortedMap(kept)
	if err != nil {
		panic(fmt.Sprintf("journal: a map's own fields are out of order: %v", err)) // Fields is sorted
	}
	return unsigned.AppendCanonical([]byte(FactSigningContext))
}

// SignFact returns fact (a map) with its signer field set to priv's public
// key and its signature field to priv's Ed25519 signature of
// FactSigningBytes. Any signer or signature fact already had is replaced.
// A fact that is not a map is a caller bug: SignFact panics.
func SignFact(priv ed25519.PrivateKey, fact effects.Value) effects.Value {
	if fact.Kind() != effects.KindMap {
		panic(fmt.Sprintf("journal.SignFact: a fact must be a map, got %s", fact.Kind()))
	}
	pub := priv.Public().(ed25519.PublicKey)
	fields := make([]effects.Field, 0, len(fact.Fields())+2)
	for _, f := range fact.Fields() {
		if f.Key != SignerField && f.Key != SignatureField {
			fields = append(fields, f)
		}
	}
	fields = append(fields, effects.Field{Key: SignerField, Value: effects.Bytes(pub)})
	unsigned, err := effects.MapOf(fields...)
	if err != nil {
		panic(err) // signer was removed above: no duplicate is possible
	}
	sig := ed25519.Sign(priv, FactSigningBytes(unsigned))
	signed, err := effects.MapOf(append(fields, effects.Field{Key: SignatureField, Value: effects.Bytes(sig)})...)
	if err != nil {
		panic(err)
	}
	return signed
}

// signedFields returns the signer and signature of a fact, and whether it
// has either field; an error if one is missing or malformed.
func signedFields(fact effects.Value) (signer, sig []byte, signed bool, err error) {
	sv, hasSigner := fact.Get(SignerField)
	gv, hasSig := fact.Get(SignatureField)
	if !hasSigner && !hasSig {
		return nil, nil, false, nil
	}
	var ok bool
	if signer, ok = sv.AsBytes(); !hasSigner || !ok || len(signer) != ed25519.PublicKeySize {
		return nil, nil, true, fmt.Errorf("a signed fact's %s must be %d bytes (an Ed25519 public key), got %v", SignerField, ed25519.PublicKeySize, describe(sv, hasSigner))
	}
	if sig, ok = gv.AsBytes(); !hasSig || !ok || len(sig) != ed25519.SignatureSize {
		return nil, nil, true, fmt.Errorf("a signed fact's %s must be %d bytes (an Ed25519 signature), got %v", SignatureField, ed25519.SignatureSize, describe(gv, hasSig))
	}
	return signer, sig, true, nil
}

func describe(v effects.Value, present bool) string {
	switch {
	case !present:
		return "no such field"
	case v.Kind() == effects.KindBytes:
		return fmt.Sprintf("%d bytes", v.Len())
	}
	return v.Kind().String()
}

// VerifyFactSignature checks a signed fact: its signer and signature
// fields are well formed and the signature is the signer's Ed25519
// signature of FactSigningBytes(fact). It returns ErrUnsignedFact for a
// fact with neither field, and an error saying what is wrong otherwise.
// It does not say whether the signer may speak for the fact's authority:
// that is the caller's policy (merge_signed takes the keys).
func VerifyFactSignature(fact effects.Value) error {
	if fact.Kind() != effects.KindMap {
		return fmt.Errorf("a fact must be a map, got %s", fact.Kind())
	}
	signer, sig, signed, err := signedFields(fact)
	switch {
	case err != nil:
		return err
	case !signed:
		return ErrUnsignedFact
	case !ed25519.Verify(signer, FactSigningBytes(fact), sig):
		return fmt.Errorf("the fact's signature does not verify against its signer %x", signer)
	}
	return nil
}
