package syncer

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/aurahost/aura-host/effects"
)

// FactSigningPrefix starts the message a signed fact's signature covers.
const FactSigningPrefix = "aura-fact/v1\x00"

// Field names of a signed fact, beside the journal's own.
const (
	SignerField    = "signer"
	SignatureField = "signature"
)

// FactSigningMessage is what a signed fact's signature covers:
// FactSigningPrefix and the canonical encoding of the fact without its
// signature field (its signer field included).
func FactSigningMessage(fact effects.Value) []byte {
	fields := fact.Fields()
	out := make([]effects.Field, 0, len(fields))
	for _, f := range fields {
		if f.Key != SignatureField {
			out = append(out, f)
		}
	}
	unsigned, _ := effects.SortedMap(out) // fields of a map: already in order
	return unsigned.AppendCanonical([]byte(FactSigningPrefix))
}

// SignFact returns fact (a map) with signer set to key's public half and
// signature to key's signature of FactSigningMessage: the rule the journal's
// merge_signed checks. A signer or signature fact already carries is
// replaced.
func SignFact(key ed25519.PrivateKey, fact effects.Value) (effects.Value, error) {
	if fact.Kind() != effects.KindMap {
		return effects.Value{}, fmt.Errorf("syncer: a fact must be a map, got %s", fact.Kind())
	}
	m := make(map[string]effects.Value, fact.Len()+2)
	for _, f := range fact.Fields() {
		m[f.Key] = f.Value
	}
	delete(m, SignatureField)
	m[SignerField] = effects.Bytes(key.Public().(ed25519.PublicKey))
	unsigned := effects.Map(m)
	m[SignatureField] = effects.Bytes(ed25519.Sign(key, unsigned.AppendCanonical([]byte(FactSigningPrefix))))
	return effects.Map(m), nil
}

// VerifyFactSignature checks a signed fact's signature against its own
// signer field. It says nothing of whether that signer may sign for the
// fact's authority: merge_signed checks that against the keys it is given.
func VerifyFactSignature(fact effects.Value) error {
	signer, ok := fact.Get(SignerField)
	pub, isBytes := signer.AsBytes()
	if !ok || !isBytes || len(pub) != ed25519.PublicKeySize {
		return errors.New("the fact has no 32-byte signer")
	}
	sig, ok := fact.Get(SignatureField)
	sb, isBytes := sig.AsBytes()
	if !ok || !isBytes || len(sb) != ed25519.SignatureSize {
		return errors.New("the fact has no 64-byte signature")
	}
	if !ed25519.Verify(pub, FactSigningMessage(fact), sb) {
		return errors.New("the fact's signature does not verify")
	}
	return nil
}
