package effects_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

func TestJSONRoundTrip(t *testing.T) {
	for _, tt := range sampleValues() {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			var got effects.Value
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatalf("Unmarshal(%s): %v", data, err)
			}
			if !got.Equal(tt.v) {
				t.Fatalf("round trip of %s = %v, want %v", data, got, tt.v)
			}
			again, _ := json.Marshal(got)
			if string(again) != string(data) {
				t.Fatalf("re-marshal = %s, want %s", again, data)
			}
		})
	}
}

// The JSON form is what traces and the CLI show: pin it, including the key
// order that makes it deterministic.
func TestJSONGolden(t *testing.T) {
	tests := []struct {
		name string
		v    effects.Value
		want string
	}{
		{"null", effects.Null(), `null`},
		{"bools", effects.List(effects.Bool(true), effects.Bool(false)), `{"list":[true,false]}`},
		{"int keeps 64-bit precision as a string", effects.Int(math.MinInt64), `{"int":"-9223372036854775808"}`},
		{"uint max", effects.Uint(math.MaxUint64), `{"uint":"18446744073709551615"}`},
		{"string escapes as encoding/json does", effects.String("a\"<\n"), `"a\"\u003c\n"`},
		{"bytes as lower-case hex", effects.Bytes([]byte{0x0a, 0x1b, 0xff}), `{"bytes":"0a1bff"}`},
		{"empty bytes", effects.Bytes(nil), `{"bytes":""}`},
		{"empty list", effects.List(), `{"list":[]}`},
		{"empty map", effects.Map(nil), `{"map":{}}`},
		{"map keys sorted", effects.Map(map[string]effects.Value{
			"zeta":  effects.Int(1),
			"alpha": effects.List(effects.Uint(2), effects.Null()),
			"mid":   effects.Map(map[string]effects.Value{"y": effects.String("s"), "x": effects.Bool(true)}),
		}), `{"map":{"alpha":{"list":[{"uint":"2"},null]},"mid":{"map":{"x":true,"y":"s"}},"zeta":{"int":"1"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 3 { // the same text every time, whatever Go's map order does
				got, err := json.Marshal(tt.v)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != tt.want {
					t.Fatalf("Marshal = %s, want %s", got, tt.want)
				}
			}
		})
	}
}

func TestJSONInsideStructs(t *testing.T) {
	type record struct {
		Op     string          `json:"op"`
		Args   effects.Value   `json:"args"`
		Result *effects.Value  `json:"result,omitempty"`
		Items  []effects.Value `json:"items"`
	}
	res := effects.Uint(7)
	in := record{Op: "x.y", Args: effects.Map(map[string]effects.Value{"k": effects.Int(-1)}), Result: &res, Items: []effects.Value{effects.Null(), effects.String("s")}}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"op":"x.y","args":{"map":{"k":{"int":"-1"}}},"result":{"uint":"7"},"items":[null,"s"]}`
	if string(data) != want {
		t.Fatalf("Marshal = %s, want %s", data, want)
	}
	var out record
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if !out.Args.Equal(in.Args) || out.Result == nil || !out.Result.Equal(res) || len(out.Items) != 2 || !out.Items[1].Equal(in.Items[1]) {
		t.Fatalf("Unmarshal = %+v, want %+v", out, in)
	}
}

func TestJSONAcceptsLenientInputs(t *testing.T) {
	tests := []struct {
		in   string
		want effects.Value
	}{
		{` { "int" : "5" } `, effects.Int(5)},
		{`{"bytes":"0A1B"}`, effects.Bytes([]byte{0x0a, 0x1b})},
		{`{"map":{"b":null,"a":true}}`, effects.Map(map[string]effects.Value{"a": effects.Bool(true), "b": effects.Null()})},
	}
	for _, tt := range tests {
		var got effects.Value
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
			t.Errorf("Unmarshal(%s): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("Unmarshal(%s) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestJSONRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"untagged integer", `1`},
		{"untagged float", `1.5`},
		{"untagged number inside a list", `{"list":[1]}`},
		{"untagged array", `[null]`},
		{"untagged object", `{"a":"b"}`},
		{"empty object", `{}`},
		{"multi-key tagged object", `{"int":"1","uint":"1"}`},
		{"int as a JSON number", `{"int":1}`},
		{"int not a number", `{"int":"one"}`},
		{"int overflows int64", `{"int":"9223372036854775808"}`},
		{"uint negative", `{"uint":"-1"}`},
		{"uint overflows uint64", `{"uint":"18446744073709551616"}`},
		{"bad hex digit", `{"bytes":"zz"}`},
		{"odd hex length", `{"bytes":"abc"}`},
		{"hex with prefix", `{"bytes":"0x00"}`},
		{"bytes not a string", `{"bytes":[0]}`},
		{"list not an array", `{"list":{}}`},
		{"map not an object", `{"map":[]}`},
		{"unknown tag", `{"float":"1.5"}`},
		{"bad value inside a map", `{"map":{"a":{"int":"x"}}}`},
		{"invalid JSON", `{"int":`},
		{"nesting deeper than MaxDepth", strings.Repeat(`{"list":[`, effects.MaxDepth+1) + `null` + strings.Repeat(`]}`, effects.MaxDepth+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v effects.Value
			if err := json.Unmarshal([]byte(tt.in), &v); err == nil {
				t.Fatalf("Unmarshal(%s) = %v, want an error", tt.in, v)
			}
		})
	}
}

// json.Unmarshal checks for trailing data itself; a direct UnmarshalJSON
// call (as the CLI's key=value parser may make) must too.
func TestUnmarshalJSONRejectsTrailingData(t *testing.T) {
	for _, in := range []string{`null x`, `{"int":"1"}{"int":"2"}`, `"a" "b"`, `true,`} {
		var v effects.Value
		if err := v.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("UnmarshalJSON(%s) = %v, want an error", in, v)
		}
	}
	var v effects.Value
	if err := v.UnmarshalJSON([]byte(" \n{\"int\":\"1\"}\n ")); err != nil || !v.Equal(effects.Int(1)) {
		t.Errorf("surrounding whitespace: %v, %v", v, err)
	}
}

func TestJSONDepthLimitMatchesCanonical(t *testing.T) {
	ok, _ := json.Marshal(nestedLists(effects.MaxDepth))
	var v effects.Value
	if err := json.Unmarshal(ok, &v); err != nil {
		t.Errorf("nesting of exactly MaxDepth: %v", err)
	}
	deep, _ := json.Marshal(nestedLists(effects.MaxDepth + 1))
	if err := json.Unmarshal(deep, &v); err == nil {
		t.Errorf("nesting of MaxDepth+1 decoded")
	}
}

func TestUnmarshalJSONLeavesValueUnchangedOnError(t *testing.T) {
	v := effects.String("keep")
	if err := json.Unmarshal([]byte(`{"int":"x"}`), &v); err == nil {
		t.Fatal("want an error")
	}
	if !v.Equal(effects.String("keep")) {
		t.Fatalf("value after a failed Unmarshal = %v, want it unchanged", v)
	}
}
