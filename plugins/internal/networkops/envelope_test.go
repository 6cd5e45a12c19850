package networkops

import (
	"strings"
	"testing"

	"github.com/aurahost/aura-host/sdk"
)

// The network plugins' tests cover envelopes over the wire; these check
// the parser's rules and messages directly.

func envelope(kv ...any) sdk.Value {
	m := map[string]sdk.Value{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(sdk.Value)
	}
	return sdk.Map(m)
}

func valid(extra ...any) sdk.Value {
	return envelope(append([]any{"destination", sdk.String("b"), "source", sdk.Bytes([]byte{1}),
		"context", sdk.String(""), "payload", sdk.Bytes([]byte("hi"))}, extra...)...)
}

func TestParseEnvelopeRoundTrips(t *testing.T) {
	t.Parallel()
	for name, v := range map[string]sdk.Value{
		"required fields only":   valid(),
		"metadata and receipt":   valid("metadata", sdk.Map(map[string]sdk.Value{"k": sdk.Int(1)}), "receipt", sdk.Bytes([]byte{9})),
		"largest payload":        valid("payload", sdk.Bytes(make([]byte, MaxPayload))),
		"null optional fields":   valid("metadata", sdk.Null(), "receipt", sdk.Null()),
		"bytes context and dest": valid("context", sdk.Bytes([]byte{7}), "destination", sdk.Bytes([]byte{2})),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e, err := ParseEnvelope(v)
			if err != nil {
				t.Fatal(err)
			}
			want := v
			if name == "null optional fields" {
				want = valid() // Value leaves absent optional fields out
			}
			if got := e.Value(); !got.Equal(want) {
				t.Fatalf("Value() = %v, want %v", got, want)
			}
		})
	}
}

func TestParseEnvelopeNamesTheWrongField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    sdk.Value
		want string
	}{
		{sdk.String("x"), "must be a map"},
		{valid("colour", sdk.String("red")), `no field "colour"`},
		{valid("destination", sdk.String("")), "destination must be non-empty"},
		{valid("source", sdk.Int(1)), "source must be non-empty"},
		{valid("context", sdk.Null()), "context must be bytes or a string"},
		{valid("metadata", sdk.Int(1)), "metadata must be a map"},
		{valid("receipt", sdk.String("r")), "receipt must be bytes"},
		{valid("payload", sdk.String("hi")), "payload must be bytes"},
		{valid("payload", sdk.Bytes(make([]byte, MaxPayload+1))), "more than the 65536 allowed"},
	} {
		if _, err := ParseEnvelope(tc.v); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseEnvelope(%.80v) = %v, want an error mentioning %q", tc.v, err, tc.want)
		}
	}
}

func TestAddressKeyTellsBytesFromStrings(t *testing.T) {
	t.Parallel()
	if AddressKey(sdk.String("a")) == AddressKey(sdk.Bytes([]byte("a"))) {
		t.Error("bytes and a string with the same content have the same key")
	}
	if x, y := sdk.String("a"), sdk.String("a"); AddressKey(x) != AddressKey(y) {
		t.Error("equal strings have different keys")
	}
	for v, want := range map[string]bool{"": false, "a": true} {
		if IsAddress(sdk.String(v), false) != want || !IsAddress(sdk.String(v), true) {
			t.Errorf("IsAddress(%q) is wrong", v)
		}
	}
	if IsAddress(sdk.Int(1), true) {
		t.Error("an int is an address")
	}
}
