package invitation

import (
	"bytes"
	"context"
	"encoding/base32"
	"strings"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/sdk"
)

// CodePrefix starts every invitation code; the 2 is the code's version
// (version 1 codes carried no signature and are not accepted).
const CodePrefix = "AURA-INV2-"

// AnswerPrefix starts every answer code: a receiver's signed acceptance or
// decline, carried back to the sender.
const AnswerPrefix = "AURA-ANS1-"

// checksumSize is the length of a code's checksum.
const checksumSize = 4

// codeEncoding is base32 (RFC 4648) without padding: upper-case letters
// and digits only, so a code survives being read aloud or retyped.
var codeEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Encode returns the code of an invitation's created body (the signed body
// and its signature).
func Encode(created sdk.Value) string { return encode(CodePrefix, created) }

func encode(prefix string, v sdk.Value) string {
	payload := v.Canonical()
	return prefix + codeEncoding.EncodeToString(append(payload, checksum(payload)...))
}

// checksum is the first bytes of the payload's BLAKE3-256.
func checksum(payload []byte) []byte {
	sum := blake3.Sum256(payload)
	return sum[:checksumSize]
}

// Decode returns the created body a code carries. It accepts the code in
// either case and with whitespace around it.
func Decode(code string) (sdk.Value, error) { return decode(CodePrefix, "an invitation code", code) }

func decode(prefix, what, code string) (sdk.Value, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	rest, ok := strings.CutPrefix(code, prefix)
	if !ok {
		return sdk.Value{}, service.Invalid("not %s: it must start with %s", what, prefix)
	}
	raw, err := codeEncoding.DecodeString(rest)
	if err != nil || len(raw) <= checksumSize {
		return sdk.Value{}, service.Invalid("%s is corrupt: not base32 of its content and a checksum", what)
	}
	payload, check := raw[:len(raw)-checksumSize], raw[len(raw)-checksumSize:]
	if !bytes.Equal(checksum(payload), check) {
		return sdk.Value{}, service.Invalid("%s is corrupt: its checksum does not match (mistyped or altered)", what)
	}
	v, err := effects.DecodeCanonical(payload)
	if err != nil || v.Kind() != sdk.KindMap {
		return sdk.Value{}, service.Invalid("%s is corrupt: its checksum matches but it holds nothing readable", what)
	}
	return v, nil
}

func (s *invitations) export(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	r, err := s.find(c)
	if err != nil {
		return sdk.Value{}, err
	}
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	if st := r.status(now); st != StatusPending {
		return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "invitation %s is %s: only a pending invitation can be exported", r.id, st)
	}
	return sdk.String(Encode(r.createdBody())), nil
}

func (s *invitations) importCode(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	importer, err := service.Actor(c)
	if err != nil {
		return sdk.Value{}, err
	}
	code, _ := c.Arg("code").AsString()
	body, err := Decode(code)
	if err != nil {
		return sdk.Value{}, err
	}
	r, err := decodeCreated(body, "the invitation in the code")
	if err != nil {
		return sdk.Value{}, service.Invalid("%v", err)
	}
	if err := s.checkSigned(ctx, fx, r); err != nil {
		return sdk.Value{}, err
	}
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	if known, ok := s.byID[r.id]; ok {
		if !known.createdBody().Equal(r.createdBody()) {
			return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "a different invitation with id %s is already known", r.id)
		}
		return known.value(now), nil
	}
	if r.receiver != importer {
		return sdk.Value{}, sdk.Errorf(sdk.CodeDenied, "invitation %s is for %s, not for %s (the authority importing it)", r.id, r.receiver, importer)
	}
	if now >= r.expiresMS {
		return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "invitation %s expired at %d ms", r.id, r.expiresMS)
	}
	if _, err := fx.Append(ctx, service.Fact{Predicate: PredicateCreated, Time: r.createdMS, Body: r.createdBody()}); err != nil {
		return sdk.Value{}, err
	}
	s.byID[r.id] = r
	return r.value(now), nil
}

// checkSigned checks that an invitation from a code is what its sender's
// device signed: the signature verifies under the code's sender key over
// the canonical body (invalid_signature otherwise: the code was altered or
// re-encoded), and that key is the device key the deployment knows for the
// sender authority — the trust anchor (unknown_device otherwise: anyone
// can sign a body naming any sender with a key of their own).
func (s *invitations) checkSigned(ctx context.Context, fx *service.Effects, r *record) error {
	valid, err := fx.VerifyDevice(ctx, effects.PurposeInvitation, r.signedBody().Canonical(), r.signature, r.senderKey)
	if err != nil {
		return err
	}
	if !valid {
		return sdk.Errorf(sdk.CodeInvalidSignature,
			"invitation %s: the signature does not verify over its body under its sender key: the code was altered or re-encoded after %s signed it", r.id, r.sender)
	}
	known, ok, err := fx.PeerKey(ctx, r.sender)
	if err != nil {
		return err
	}
	if !ok {
		return sdk.Errorf(sdk.CodeUnknownDevice,
			"invitation %s claims to come from %s, whose device key this deployment does not know: it cannot be checked", r.id, r.sender)
	}
	if !bytes.Equal(known, r.senderKey) {
		return sdk.Errorf(sdk.CodeUnknownDevice,
			"invitation %s is signed by key %x, which is not the device key of its sender %s", r.id, r.senderKey, r.sender)
	}
	return nil
}

func (s *invitations) exportAnswer(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	r, err := s.find(c)
	if err != nil {
		return sdk.Value{}, err
	}
	if r.answer == nil || (r.settled != StatusAccepted && r.settled != StatusDeclined) {
		return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "invitation %s has no answer to export: it is %s", r.id, r.status(0))
	}
	m := map[string]sdk.Value{"status": sdk.String(r.settled)}
	for _, f := range r.answer.body().Fields() {
		m[f.Key] = f.Value
	}
	return sdk.String(encode(AnswerPrefix, sdk.Map(m))), nil
}

// importAnswer records, at the sender, the answer the receiver signed: the
// invitation must be known here, the answer by its receiver, its signature
// valid over the answer (invalid_signature) under the device key the
// deployment knows for the receiver (unknown_device), and given before the
// invitation expired.
func (s *invitations) importAnswer(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	code, _ := c.Arg("code").AsString()
	v, err := decode(AnswerPrefix, "an answer code", code)
	if err != nil {
		return sdk.Value{}, err
	}
	b := service.Read(v, "the answer in the code")
	status := b.String("status")
	a, err := decodeAnswer(v, "the answer in the code")
	if err == nil {
		err = b.Err()
	}
	if err != nil {
		return sdk.Value{}, service.Invalid("%v", err)
	}
	if status != StatusAccepted && status != StatusDeclined {
		return sdk.Value{}, service.Invalid("an answer is %q or %q, got %q", StatusAccepted, StatusDeclined, status)
	}
	r, ok := s.byID[a.id]
	if !ok {
		return sdk.Value{}, sdk.Errorf(sdk.CodeNotFound, "no invitation %q", a.id)
	}
	if a.by != r.receiver {
		return sdk.Value{}, sdk.Errorf(sdk.CodeDenied, "the answer to invitation %s is by %s, not by its receiver %s", r.id, a.by, r.receiver)
	}
	valid, err := fx.VerifyDevice(ctx, effects.PurposeInvitationAnswer, a.signed(status).Canonical(), a.signature, a.key)
	if err != nil {
		return sdk.Value{}, err
	}
	if !valid {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidSignature, "the answer to invitation %s does not verify under its key: altered or re-encoded", r.id)
	}
	known, ok, err := fx.PeerKey(ctx, r.receiver)
	if err != nil {
		return sdk.Value{}, err
	}
	if !ok || !bytes.Equal(known, a.key) {
		return sdk.Value{}, sdk.Errorf(sdk.CodeUnknownDevice, "the answer to invitation %s is signed by key %x, which is not the device key this deployment knows for %s", r.id, a.key, r.receiver)
	}
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	if r.settled == status && r.settledBy == a.by && r.settledMS == a.atMS {
		return r.value(now), nil
	}
	switch {
	case r.settled != "":
		return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "invitation %s is already %s; its status cannot change", r.id, r.settled)
	case a.atMS >= r.expiresMS:
		return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "the answer to invitation %s was given at %d ms, after it expired at %d ms", r.id, a.atMS, r.expiresMS)
	}
	factID, err := fx.Append(ctx, service.Fact{Predicate: predicateOf(status), Time: a.atMS, Body: a.body()})
	if err != nil {
		return sdk.Value{}, err
	}
	r.settle(status, a.by, a.atMS, &a)
	return withFactID(r.value(now), factID), nil
}
