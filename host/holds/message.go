package holds

import (
	"fmt"

	"github.com/aurahost/aura-host/effects"
)

// The kinds of hold message, all in envelopes of Context:
//
//	depositor → holder     deposit  {sealed}
//	holder → depositor     ack      {deposit, refusal?}
//	recipient → holder     hello    {}                       asks for a capability and an offer
//	holder → recipient     offer    {capability, deposits}   what it holds for the recipient
//	recipient → holder     retrieve {deposit, capability}
//	holder → recipient     deliver  {deposit, sealed | refusal}
//	recipient → depositor  witness  {witness}
const (
	kindDeposit  = "deposit"
	kindAck      = "ack"
	kindHello    = "hello"
	kindOffer    = "offer"
	kindRetrieve = "retrieve"
	kindDeliver  = "deliver"
	kindWitness  = "witness"
)

// maxOffered bounds the deposit ids one offer lists (the holder's
// per-depositor bound times a few depositors fits well under it).
const maxOffered = 512

// message is one decoded hold message.
type message struct {
	ID     MessageID
	Kind   string
	SentMs int64
	Fields effects.Value // the whole map, for the kind's fields
}

// encodeMessage is the payload of an envelope.
func encodeMessage(id MessageID, kind string, sentMs int64, fields map[string]effects.Value) []byte {
	m := make(map[string]effects.Value, len(fields)+4)
	for k, v := range fields {
		m[k] = v
	}
	m["v"], m["kind"], m["id"], m["sent_ms"] = effects.Int(1), effects.String(kind), effects.Bytes(id[:]), effects.Int(sentMs)
	return effects.Map(m).Canonical()
}

// decodeMessage parses a payload: version, kind, id and sent time; the
// kind's fields are read by its handler.
func decodeMessage(payload []byte) (message, error) {
	v, err := effects.DecodeCanonical(payload)
	if err != nil {
		return message{}, fmt.Errorf("hold message: %w", err)
	}
	r := reader{v: v}
	m := message{Kind: r.str("kind"), SentMs: r.int("sent_ms"), Fields: v}
	r.id16("id", m.ID[:])
	if r.int("v") != 1 {
		r.fail("v", "1")
	}
	if r.err != nil {
		return message{}, fmt.Errorf("hold message: %w", r.err)
	}
	switch m.Kind {
	case kindDeposit, kindAck, kindHello, kindOffer, kindRetrieve, kindDeliver, kindWitness:
	default:
		return message{}, fmt.Errorf("hold message: unknown kind %q", m.Kind)
	}
	return m, nil
}

// depositField reads a message's 16-byte deposit id.
func (m message) depositField() (DepositID, error) {
	var id DepositID
	r := reader{v: m.Fields}
	r.id16("deposit", id[:])
	return id, r.err
}

func (m message) bytesField(name string) ([]byte, error) {
	r := reader{v: m.Fields}
	b := r.bytes(name)
	return b, r.err
}

func (m message) optString(name string) string {
	f, _ := m.Fields.Get(name)
	s, _ := f.AsString()
	return s
}
