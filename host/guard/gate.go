package guard

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"maps"
	"slices"

	"github.com/aurahost/aura-host/effects"
)

// Envelope is what the transport carries from Source to Destination within
// Context: an opaque payload (at most MaxPayload bytes, encrypted by the
// transport), metadata, and the encoded receipt that paid for it.
type Envelope struct {
	Destination effects.AuthorityID
	Source      effects.AuthorityID
	Context     effects.ContextID
	Payload     []byte
	Metadata    map[string]string
	Receipt     []byte // Receipt.MarshalBinary, or nil
}

// Value encodes the envelope as the map Value a transport plugin's
// send_envelope takes: destination, source and context as 16 bytes each,
// payload and receipt as bytes (receipt null when absent), metadata as a
// map of strings.
func (e Envelope) Value() effects.Value {
	md := make(map[string]effects.Value, len(e.Metadata))
	for k, v := range e.Metadata {
		md[k] = effects.String(v)
	}
	receipt := effects.Null()
	if e.Receipt != nil {
		receipt = effects.Bytes(e.Receipt)
	}
	return effects.Map(map[string]effects.Value{
		"destination": effects.Bytes(e.Destination[:]),
		"source":      effects.Bytes(e.Source[:]),
		"context":     effects.Bytes(e.Context[:]),
		"payload":     effects.Bytes(e.Payload),
		"metadata":    effects.Map(md),
		"receipt":     receipt,
	})
}

// EnvelopeFromValue decodes Envelope.Value's form. A missing or mistyped
// field is an invalid_args error naming it.
func EnvelopeFromValue(v effects.Value) (Envelope, error) {
	var e Envelope
	bad := func(field, want string) error {
		return effects.Errorf(effects.CodeInvalidArgs, "envelope field %q: want %s", field, want)
	}
	for _, x := range []struct {
		field string
		id    *effects.ID
	}{
		{"destination", (*effects.ID)(&e.Destination)},
		{"source", (*effects.ID)(&e.Source)},
		{"context", (*effects.ID)(&e.Context)},
	} {
		field, id := x.field, x.id
		f, _ := v.Get(field)
		if f.Kind() != effects.KindBytes || f.Len() != len(id) {
			return Envelope{}, bad(field, "16 bytes")
		}
		copy(id[:], f.BytesString())
	}
	p, _ := v.Get("payload")
	payload, ok := p.AsBytes()
	if !ok {
		return Envelope{}, bad("payload", "bytes")
	}
	e.Payload = payload
	if md, ok := v.Get("metadata"); ok && !md.IsNull() {
		if md.Kind() != effects.KindMap {
			return Envelope{}, bad("metadata", "a map of strings")
		}
		e.Metadata = make(map[string]string, md.Len())
		for _, f := range md.Fields() {
			s, ok := f.Value.AsString()
			if !ok {
				return Envelope{}, bad("metadata."+f.Key, "a string")
			}
			e.Metadata[f.Key] = s
		}
	}
	if r, ok := v.Get("receipt"); ok && !r.IsNull() {
		b, ok := r.AsBytes()
		if !ok {
			return Envelope{}, bad("receipt", "bytes or null")
		}
		e.Receipt = b
	}
	return e, nil
}

// String summarises the envelope without its payload.
func (e Envelope) String() string {
	return fmt.Sprintf("envelope %s -> %s in %s, %d bytes, metadata %v, receipt %t",
		e.Source, e.Destination, e.Context, len(e.Payload), slices.Sorted(maps.Keys(e.Metadata)), e.Receipt != nil)
}

// RequireReceipt is the transport's gate: in production an envelope is
// delivered only if it carries a valid receipt. It checks that the receipt
// is present and well formed, names the envelope's context, source and
// destination, pays at least SendCost of the payload (which is at most
// MaxPayload), and is accepted by rm under pub — the source authority's
// key: signature, epoch, nonce and chain link (see ReceiptManager.Accept).
// It returns the accepted receipt. Every refusal is a denied error; a
// refused envelope leaves the chain unchanged.
//
// The caller checks that env.Destination is an authority it serves and
// resolves pub from env.Source (a device key from the deployment or a
// rendezvous descriptor); the receipt is not a signature over the payload —
// the transport's own encryption protects that.
func RequireReceipt(ctx context.Context, env Envelope, rm *ReceiptManager, pub ed25519.PublicKey) (Receipt, error) {
	if len(env.Receipt) == 0 {
		return Receipt{}, fail(effects.CodeDenied, ErrMissingReceipt, "%s", env)
	}
	r, err := DecodeReceipt(env.Receipt)
	if err != nil {
		return Receipt{}, err
	}
	if r.Context != env.Context || r.Src != env.Source || r.Dst != env.Destination {
		return Receipt{}, fail(effects.CodeDenied, ErrReceiptMismatch,
			"receipt for %s does not match %s", r.Chain(), env)
	}
	if len(env.Payload) > MaxPayload {
		return Receipt{}, fail(effects.CodeDenied, ErrPayloadTooLarge,
			"payload of %d bytes exceeds the %d-byte envelope limit", len(env.Payload), MaxPayload)
	}
	if cost := SendCost(len(env.Payload)); r.Cost < cost {
		return Receipt{}, fail(effects.CodeDenied, ErrReceiptMismatch,
			"receipt pays %d, a %d-byte payload costs %d", r.Cost, len(env.Payload), cost)
	}
	if err := rm.Accept(ctx, r, pub); err != nil {
		return Receipt{}, err
	}
	return r, nil
}
