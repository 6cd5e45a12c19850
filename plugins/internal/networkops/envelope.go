package networkops

import (
	"fmt"

	"github.com/aurahost/aura-host/sdk"
)

// MaxPayload is the largest payload an envelope may carry (AURA-SPEC §3).
const MaxPayload = 64 << 10

// Envelope is one message: who it is for and from, the relational context
// it belongs to, its payload, and optional metadata and receipt. It is the
// envelope of the network family: the transport plugin and sim-network
// both carry it.
// Addresses and the context are bytes or strings, compared by kind and
// content.
type Envelope struct {
	Destination sdk.Value // bytes or string, non-empty
	Source      sdk.Value // bytes or string, non-empty
	Context     sdk.Value // bytes or string
	Payload     []byte    // at most MaxPayload bytes
	Metadata    sdk.Value // a map, or null
	Receipt     sdk.Value // bytes, or null
}

var envelopeFields = map[string]bool{
	"destination": true, "source": true, "context": true, "payload": true, "metadata": true, "receipt": true,
}

// IsAddress reports whether v can name an endpoint or a context: bytes or
// a string, non-empty unless allowEmpty.
func IsAddress(v sdk.Value, allowEmpty bool) bool {
	k := v.Kind()
	return (k == sdk.KindBytes || k == sdk.KindString) && (allowEmpty || v.Len() > 0)
}

// ParseEnvelope checks an envelope map and returns it; the error names the
// field that is wrong.
func ParseEnvelope(v sdk.Value) (Envelope, error) {
	if v.Kind() != sdk.KindMap {
		return Envelope{}, fmt.Errorf("an envelope must be a map, got %s", v.Kind())
	}
	for _, f := range v.Fields() {
		if !envelopeFields[f.Key] {
			return Envelope{}, fmt.Errorf("an envelope has no field %q (fields: destination, source, context, payload, metadata, receipt)", f.Key)
		}
	}
	get := func(name string) sdk.Value {
		x, _ := v.Get(name)
		return x
	}
	e := Envelope{Destination: get("destination"), Source: get("source"), Context: get("context"),
		Metadata: get("metadata"), Receipt: get("receipt")}
	switch {
	case !IsAddress(e.Destination, false):
		return Envelope{}, fmt.Errorf("the envelope's destination must be non-empty bytes or a non-empty string, got %v", e.Destination)
	case !IsAddress(e.Source, false):
		return Envelope{}, fmt.Errorf("the envelope's source must be non-empty bytes or a non-empty string, got %v", e.Source)
	case !IsAddress(e.Context, true):
		return Envelope{}, fmt.Errorf("the envelope's context must be bytes or a string, got %v", e.Context)
	case !e.Metadata.IsNull() && e.Metadata.Kind() != sdk.KindMap:
		return Envelope{}, fmt.Errorf("the envelope's metadata must be a map, got %s", e.Metadata.Kind())
	case !e.Receipt.IsNull() && e.Receipt.Kind() != sdk.KindBytes:
		return Envelope{}, fmt.Errorf("the envelope's receipt must be bytes, got %s", e.Receipt.Kind())
	}
	payload := get("payload")
	var ok bool
	if e.Payload, ok = payload.AsBytes(); !ok {
		return Envelope{}, fmt.Errorf("the envelope's payload must be bytes, got %s", payload.Kind())
	}
	if len(e.Payload) > MaxPayload {
		return Envelope{}, fmt.Errorf("the envelope's payload is %d bytes, more than the %d allowed", len(e.Payload), MaxPayload)
	}
	return e, nil
}

// Value renders the envelope as a map, leaving out absent optional fields.
func (e Envelope) Value() sdk.Value {
	m := map[string]sdk.Value{
		"destination": e.Destination, "source": e.Source, "context": e.Context, "payload": sdk.Bytes(e.Payload),
	}
	if !e.Metadata.IsNull() {
		m["metadata"] = e.Metadata
	}
	if !e.Receipt.IsNull() {
		m["receipt"] = e.Receipt
	}
	return sdk.Map(m)
}

// AddressKey is the identity of an address: its canonical encoding, so
// that bytes and a string with the same content are different endpoints.
func AddressKey(v sdk.Value) string { return string(v.Canonical()) }
