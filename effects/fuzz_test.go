package effects_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

// FuzzDecodeCanonical feeds arbitrary bytes to the decoder plugins and
// traces are read with. Properties: it never panics; any input it accepts is
// exactly the canonical encoding of what it returns (so there is one
// encoding per value); and that value survives the JSON form unchanged.
func FuzzDecodeCanonical(f *testing.F) {
	for _, tt := range sampleValues() {
		f.Add(tt.v.Canonical())
	}
	for _, tt := range malformedEncodings() {
		f.Add(tt.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := effects.DecodeCanonical(data)
		if err != nil {
			if !errors.Is(err, effects.ErrMalformedValue) {
				t.Fatalf("error %v does not wrap ErrMalformedValue", err)
			}
			return
		}
		if enc := v.Canonical(); !bytes.Equal(enc, data) {
			t.Fatalf("accepted %x but it re-encodes as %x", data, enc)
		}
		_ = v.String()
		if effects.Compare(v, v) != 0 {
			t.Fatalf("Compare(v, v) != 0 for %v", v)
		}
		js, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(%v): %v", v, err)
		}
		var back effects.Value
		if err := json.Unmarshal(js, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", js, err)
		}
		if !back.Equal(v) {
			t.Fatalf("JSON round trip of %v via %s = %v", v, js, back)
		}
	})
}

// FuzzValueJSON feeds arbitrary text to the JSON decoder. Properties: it
// never panics; anything it accepts marshals to a fixed point (decoding the
// output gives an Equal value that marshals to the same text) and survives
// the canonical encoding.
func FuzzValueJSON(f *testing.F) {
	for _, tt := range sampleValues() {
		js, err := json.Marshal(tt.v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(js))
	}
	for _, s := range []string{
		``, `1`, `[1]`, `{}`, `{"int":"1","uint":"2"}`, `{"int":"+007"}`, `{"bytes":"ABCD"}`,
		`{"bytes":"zz"}`, `"\ud800"`, "\"\xff\"", `{"map":{"\u00e9":null,"e":true}}`, `null x`,
		`{"map":{"a":null,"a":true}}`, `{"list":[{"list":[{"list":[]}]}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var v effects.Value
		if err := v.UnmarshalJSON([]byte(in)); err != nil {
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(%v): %v", v, err)
		}
		var back effects.Value
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("accepted %q but cannot read back its output %s: %v", in, out, err)
		}
		if !back.Equal(v) {
			t.Fatalf("accepted %q as %v but its output %s reads back as %v", in, v, out, back)
		}
		if again, _ := json.Marshal(back); !bytes.Equal(again, out) {
			t.Fatalf("output is not a fixed point: %s then %s", out, again)
		}
		dec, err := effects.DecodeCanonical(v.Canonical())
		if err != nil || !dec.Equal(v) {
			t.Fatalf("canonical round trip of %v = %v, %v", v, dec, err)
		}
	})
}
