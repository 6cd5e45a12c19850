package guard

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

func envelopeWith(t *testing.T, r Receipt, payload []byte) Envelope {
	t.Helper()
	enc, err := r.MarshalBinary()
	mustNoErr(t, err)
	return Envelope{Destination: r.Dst, Source: r.Src, Context: r.Context, Payload: payload, Receipt: enc}
}

func TestRequireReceipt(t *testing.T) {
	ctx := context.Background()
	pub := keyOf("alice").PublicKey()
	issuer := NewReceiptManager(NewMemStore(), 0)
	r1, err := issuer.Issue(ctx, keyOf("alice"), chainAB, 1, SendCost(100))
	mustNoErr(t, err)
	big, err := issuer.Issue(ctx, keyOf("alice"), ChainKey{ctxAB, alice, carol}, 1, 1000)
	mustNoErr(t, err)

	tests := []struct {
		name string
		env  Envelope
		want error
	}{
		{"valid", envelopeWith(t, r1, make([]byte, 100)), nil},
		{"no receipt", Envelope{Destination: bob, Source: alice, Context: ctxAB, Payload: []byte("x")}, ErrMissingReceipt},
		{"garbage receipt", Envelope{Destination: bob, Source: alice, Context: ctxAB, Receipt: []byte("junk")}, ErrMalformedReceipt},
		{"other destination", func() Envelope { e := envelopeWith(t, r1, nil); e.Destination = carol; return e }(), ErrReceiptMismatch},
		{"other source", func() Envelope { e := envelopeWith(t, r1, nil); e.Source = carol; return e }(), ErrReceiptMismatch},
		{"other context", func() Envelope { e := envelopeWith(t, r1, nil); e.Context = effects.ContextID{1}; return e }(), ErrReceiptMismatch},
		{"underpaid payload", envelopeWith(t, r1, make([]byte, 1025)), ErrReceiptMismatch},
		{"payload too large", envelopeWith(t, big, make([]byte, MaxPayload+1)), ErrPayloadTooLarge},
		{"tampered receipt", func() Envelope { e := envelopeWith(t, r1, nil); e.Receipt[100] ^= 1; return e }(), ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rm := NewReceiptManager(NewMemStore(), 0)
			got, err := RequireReceipt(ctx, tt.env, rm, pub)
			if tt.want == nil {
				mustNoErr(t, err)
				if got != r1 {
					t.Fatalf("accepted %+v", got)
				}
				// The same envelope again is a replay.
				if _, err := RequireReceipt(ctx, tt.env, rm, pub); !errors.Is(err, ErrNonceReused) {
					t.Fatalf("replayed envelope: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !errors.Is(err, effects.ErrDenied) {
				t.Fatalf("err %v, want %v (denied)", err, tt.want)
			}
			if acc, _ := rm.Accepted(ctx, chainAB); len(acc) != 0 {
				t.Fatal("a refused envelope changed the chain")
			}
		})
	}
}

func TestEnvelopeValue(t *testing.T) {
	e := Envelope{Destination: bob, Source: alice, Context: ctxAB, Payload: []byte("hello"),
		Metadata: map[string]string{"k": "v"}, Receipt: bytes.Repeat([]byte{7}, ReceiptSize)}
	got, err := EnvelopeFromValue(e.Value())
	if err != nil || !reflect.DeepEqual(got, e) {
		t.Fatalf("round trip %+v %v", got, err)
	}
	e.Receipt, e.Metadata = nil, nil
	got, err = EnvelopeFromValue(e.Value())
	if err != nil || got.Receipt != nil || len(got.Metadata) != 0 || !bytes.Equal(got.Payload, e.Payload) {
		t.Fatalf("without receipt %+v %v", got, err)
	}
	bad := []map[string]effects.Value{
		{},
		{"destination": effects.Bytes(bob[:8])},
		{"destination": effects.Bytes(bob[:]), "source": effects.Bytes(alice[:]), "context": effects.Bytes(ctxAB[:])},
		{"destination": effects.Bytes(bob[:]), "source": effects.Bytes(alice[:]), "context": effects.Bytes(ctxAB[:]), "payload": effects.Bytes(nil), "receipt": effects.String("x")},
		{"destination": effects.Bytes(bob[:]), "source": effects.Bytes(alice[:]), "context": effects.Bytes(ctxAB[:]), "payload": effects.Bytes(nil), "metadata": effects.Map(map[string]effects.Value{"k": effects.Int(1)})},
	}
	for i, m := range bad {
		if _, err := EnvelopeFromValue(effects.Map(m)); !errors.Is(err, effects.ErrInvalidArgs) {
			t.Errorf("#%d: %v", i, err)
		}
	}
}
