package effects_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

type namedValue struct {
	name string
	v    effects.Value
}

// sampleValues is the table shared by the canonical, JSON and fuzz tests:
// every kind, its edge values, and nesting.
func sampleValues() []namedValue {
	return []namedValue{
		{"null", effects.Null()},
		{"false", effects.Bool(false)},
		{"true", effects.Bool(true)},
		{"int zero", effects.Int(0)},
		{"int one", effects.Int(1)},
		{"int minus one", effects.Int(-1)},
		{"int negative", effects.Int(-300)},
		{"int max", effects.Int(math.MaxInt64)},
		{"int min", effects.Int(math.MinInt64)},
		{"uint zero", effects.Uint(0)},
		{"uint 300", effects.Uint(300)},
		{"uint max", effects.Uint(math.MaxUint64)},
		{"empty string", effects.String("")},
		{"string", effects.String("hello")},
		{"string unicode and escapes", effects.String("héllo \"wörld\"\n\t<&> \u2028 😀")},
		{"empty bytes", effects.Bytes(nil)},
		{"bytes", effects.Bytes([]byte{0x00, 0x0a, 0x1b, 0xff})},
		{"empty list", effects.List()},
		{"list of kinds", effects.List(effects.Null(), effects.Bool(true), effects.Int(-7), effects.Uint(7), effects.String("s"), effects.Bytes([]byte("b")))},
		{"empty map", effects.Map(nil)},
		{"map", effects.Map(map[string]effects.Value{"b": effects.Int(2), "a": effects.Int(1), "": effects.Null(), "é": effects.String("x")})},
		{"nested", effects.Map(map[string]effects.Value{
			"msg":  effects.Bytes([]byte("payload")),
			"tags": effects.List(effects.String("x"), effects.List(), effects.Map(nil)),
			"meta": effects.Map(map[string]effects.Value{
				"n":    effects.Int(math.MinInt64),
				"u":    effects.Uint(math.MaxUint64),
				"list": effects.List(effects.List(effects.List(effects.Null()))),
			}),
		})},
		{"nested to MaxDepth", nestedLists(effects.MaxDepth)},
	}
}

// nestedLists wraps null in depth lists; the null then sits at depth depth.
func nestedLists(depth int) effects.Value {
	v := effects.Null()
	for range depth {
		v = effects.List(v)
	}
	return v
}

func mustMapOf(t testing.TB, fields ...effects.Field) effects.Value {
	t.Helper()
	v, err := effects.MapOf(fields...)
	if err != nil {
		t.Fatalf("MapOf: %v", err)
	}
	return v
}

func TestZeroValueIsNull(t *testing.T) {
	var v effects.Value
	if !v.IsNull() || v.Kind() != effects.KindNull || !v.Equal(effects.Null()) {
		t.Fatalf("zero Value = %v (kind %v), want null", v, v.Kind())
	}
}

func TestAccessorsReportKindAndValue(t *testing.T) {
	type want struct {
		kind     effects.Kind
		boolV    bool
		boolOK   bool
		intV     int64
		intOK    bool
		uintV    uint64
		uintOK   bool
		strV     string
		strOK    bool
		bytesV   []byte
		bytesOK  bool
		length   int
		itemsLen int
	}
	tests := []struct {
		name string
		v    effects.Value
		want want
	}{
		{"null", effects.Null(), want{kind: effects.KindNull}},
		{"true", effects.Bool(true), want{kind: effects.KindBool, boolV: true, boolOK: true}},
		{"false", effects.Bool(false), want{kind: effects.KindBool, boolOK: true}},
		{"int negative does not convert to uint", effects.Int(-5), want{kind: effects.KindInt, intV: -5, intOK: true, uintV: uint64(1<<64 - 5)}},
		{"int non-negative converts to uint", effects.Int(5), want{kind: effects.KindInt, intV: 5, intOK: true, uintV: 5, uintOK: true}},
		{"uint in int range converts to int", effects.Uint(math.MaxInt64), want{kind: effects.KindUint, intV: math.MaxInt64, intOK: true, uintV: math.MaxInt64, uintOK: true}},
		{"uint beyond int range does not convert", effects.Uint(math.MaxInt64 + 1), want{kind: effects.KindUint, intV: math.MinInt64, uintV: math.MaxInt64 + 1, uintOK: true}},
		// A non-bool is never a true bool, even if it holds 1.
		{"int one is not a bool", effects.Int(1), want{kind: effects.KindInt, intV: 1, intOK: true, uintV: 1, uintOK: true}},
		{"string", effects.String("héllo"), want{kind: effects.KindString, strV: "héllo", strOK: true, length: len("héllo")}},
		{"bytes is not a string", effects.Bytes([]byte{1, 2, 3}), want{kind: effects.KindBytes, bytesV: []byte{1, 2, 3}, bytesOK: true, length: 3}},
		{"empty bytes", effects.Bytes(nil), want{kind: effects.KindBytes, bytesV: []byte{}, bytesOK: true}},
		{"list", effects.List(effects.Null(), effects.Int(1)), want{kind: effects.KindList, length: 2, itemsLen: 2}},
		{"map", effects.Map(map[string]effects.Value{"a": effects.Null()}), want{kind: effects.KindMap, length: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, w := tt.v, tt.want
			if v.Kind() != w.kind {
				t.Errorf("Kind() = %v, want %v", v.Kind(), w.kind)
			}
			if v.IsNull() != (w.kind == effects.KindNull) {
				t.Errorf("IsNull() = %v", v.IsNull())
			}
			if b, ok := v.AsBool(); b != w.boolV || ok != w.boolOK {
				t.Errorf("AsBool() = %v, %v; want %v, %v", b, ok, w.boolV, w.boolOK)
			}
			if i, ok := v.AsInt(); ok != w.intOK || (ok && i != w.intV) {
				t.Errorf("AsInt() = %v, %v; want %v, %v", i, ok, w.intV, w.intOK)
			}
			if u, ok := v.AsUint(); ok != w.uintOK || (ok && u != w.uintV) {
				t.Errorf("AsUint() = %v, %v; want %v, %v", u, ok, w.uintV, w.uintOK)
			}
			if s, ok := v.AsString(); s != w.strV || ok != w.strOK {
				t.Errorf("AsString() = %q, %v; want %q, %v", s, ok, w.strV, w.strOK)
			}
			if b, ok := v.AsBytes(); !bytes.Equal(b, w.bytesV) || ok != w.bytesOK {
				t.Errorf("AsBytes() = %x, %v; want %x, %v", b, ok, w.bytesV, w.bytesOK)
			}
			if got := v.BytesString(); got != string(w.bytesV) {
				t.Errorf("BytesString() = %q, want %q", got, w.bytesV)
			}
			if v.Len() != w.length {
				t.Errorf("Len() = %d, want %d", v.Len(), w.length)
			}
			if len(v.Items()) != w.itemsLen {
				t.Errorf("len(Items()) = %d, want %d", len(v.Items()), w.itemsLen)
			}
			if w.kind != effects.KindMap && v.Fields() != nil {
				t.Errorf("Fields() of a %v = %v, want nil", w.kind, v.Fields())
			}
			if _, ok := v.Get("a"); ok != (w.kind == effects.KindMap) {
				t.Errorf("Get(a) ok = %v", ok)
			}
		})
	}
}

func TestValuesAreImmutable(t *testing.T) {
	raw := []byte{1, 2, 3}
	b := effects.Bytes(raw)
	raw[0] = 9
	out, _ := b.AsBytes()
	out[1] = 9
	if got, _ := b.AsBytes(); !bytes.Equal(got, []byte{1, 2, 3}) {
		t.Errorf("Bytes value changed through its input or output slice: %x", got)
	}

	items := []effects.Value{effects.Int(1), effects.Int(2)}
	l := effects.List(items...)
	items[0] = effects.Int(99)
	if !l.Items()[0].Equal(effects.Int(1)) {
		t.Errorf("List value changed through its input slice: %v", l)
	}

	fields := []effects.Field{{Key: "b", Value: effects.Int(2)}, {Key: "a", Value: effects.Int(1)}}
	m := mustMapOf(t, fields...)
	fields[0].Value = effects.Int(99)
	if got, _ := m.Get("b"); !got.Equal(effects.Int(2)) {
		t.Errorf("MapOf value changed through its input slice: %v", m)
	}
}

func TestMapSortsKeysAndGetFindsThem(t *testing.T) {
	m := effects.Map(map[string]effects.Value{
		"zeta": effects.Int(26), "alpha": effects.Int(1), "Beta": effects.Int(2), "é": effects.Int(5), "": effects.Int(0),
	})
	var keys []string
	for _, f := range m.Fields() {
		keys = append(keys, f.Key)
	}
	// Byte order: "" < "Beta" (upper case first) < "alpha" < "zeta" < "é".
	want := []string{"", "Beta", "alpha", "zeta", "é"}
	if strings.Join(keys, ",") != strings.Join(want, ",") {
		t.Fatalf("keys = %q, want %q", keys, want)
	}
	for _, f := range m.Fields() {
		got, ok := m.Get(f.Key)
		if !ok || !got.Equal(f.Value) {
			t.Errorf("Get(%q) = %v, %v; want %v", f.Key, got, ok, f.Value)
		}
	}
	if _, ok := m.Get("missing"); ok {
		t.Error(`Get("missing") found a field`)
	}
}

func TestMapOfSortsAndEqualsMap(t *testing.T) {
	got := mustMapOf(t,
		effects.Field{Key: "c", Value: effects.Int(3)},
		effects.Field{Key: "a", Value: effects.Int(1)},
		effects.Field{Key: "b", Value: effects.Int(2)},
	)
	want := effects.Map(map[string]effects.Value{"a": effects.Int(1), "b": effects.Int(2), "c": effects.Int(3)})
	if !got.Equal(want) {
		t.Fatalf("MapOf = %v, want %v", got, want)
	}
	if empty := mustMapOf(t); !empty.Equal(effects.Map(nil)) || empty.Kind() != effects.KindMap {
		t.Fatalf("MapOf() = %v, want an empty map", empty)
	}
}

func TestMapOfRejectsDuplicateKeys(t *testing.T) {
	_, err := effects.MapOf(
		effects.Field{Key: "a", Value: effects.Int(1)},
		effects.Field{Key: "b", Value: effects.Int(2)},
		effects.Field{Key: "a", Value: effects.Int(1)},
	)
	if err == nil || !strings.Contains(err.Error(), `"a"`) {
		t.Fatalf("MapOf with a duplicate key: err = %v, want an error naming \"a\"", err)
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b effects.Value
		want bool
	}{
		{"null null", effects.Null(), effects.Null(), true},
		{"null vs false", effects.Null(), effects.Bool(false), false},
		{"false vs int zero", effects.Bool(false), effects.Int(0), false},
		{"int vs uint same number", effects.Int(1), effects.Uint(1), false},
		{"int vs int", effects.Int(-1), effects.Int(-1), true},
		{"int differs", effects.Int(-1), effects.Int(1), false},
		{"string vs bytes same content", effects.String("a"), effects.Bytes([]byte("a")), false},
		{"empty string vs empty bytes", effects.String(""), effects.Bytes(nil), false},
		{"nil vs empty bytes", effects.Bytes(nil), effects.Bytes([]byte{}), true},
		{"empty list vs empty map", effects.List(), effects.Map(nil), false},
		{"empty list vs list of null", effects.List(), effects.List(effects.Null()), false},
		{"lists equal", effects.List(effects.Int(1), effects.String("x")), effects.List(effects.Int(1), effects.String("x")), true},
		{"lists differ in order", effects.List(effects.Int(1), effects.Int(2)), effects.List(effects.Int(2), effects.Int(1)), false},
		{"maps equal regardless of construction order",
			mustMapOf(t, effects.Field{Key: "b", Value: effects.Int(2)}, effects.Field{Key: "a", Value: effects.Int(1)}),
			effects.Map(map[string]effects.Value{"a": effects.Int(1), "b": effects.Int(2)}), true},
		{"maps differ in a value",
			effects.Map(map[string]effects.Value{"a": effects.Int(1)}),
			effects.Map(map[string]effects.Value{"a": effects.Int(2)}), false},
		{"maps differ in a key",
			effects.Map(map[string]effects.Value{"a": effects.Int(1)}),
			effects.Map(map[string]effects.Value{"b": effects.Int(1)}), false},
		{"nested differ deep down", nestedLists(10), effects.List(nestedLists(8)), false},
		{"nested equal", nestedLists(10), effects.List(nestedLists(9)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Equal(tt.b); got != tt.want {
				t.Errorf("%v.Equal(%v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if got := tt.b.Equal(tt.a); got != tt.want {
				t.Errorf("Equal is not symmetric: %v.Equal(%v) = %v", tt.b, tt.a, got)
			}
			if got := effects.Compare(tt.a, tt.b) == 0; got != tt.want {
				t.Errorf("Compare(%v, %v) == 0 is %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestStringRendering(t *testing.T) {
	tests := []struct {
		v    effects.Value
		want string
	}{
		{effects.Null(), "null"},
		{effects.Bool(true), "true"},
		{effects.Bool(false), "false"},
		{effects.Int(-42), "-42"},
		{effects.Int(math.MinInt64), "-9223372036854775808"},
		{effects.Uint(42), "42u"},
		{effects.Uint(math.MaxUint64), "18446744073709551615u"},
		{effects.String("a \"q\"\n"), `"a \"q\"\n"`},
		{effects.Bytes([]byte{0xde, 0xad}), "0xdead"},
		{effects.Bytes(nil), "0x"},
		{effects.List(), "[]"},
		{effects.List(effects.Int(1), effects.String("x"), effects.List()), `[1, "x", []]`},
		{effects.Map(nil), "{}"},
		{effects.Map(map[string]effects.Value{"b": effects.Uint(2), "a": effects.Map(map[string]effects.Value{"z": effects.Null()})}), "{a: {z: null}, b: 2u}"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("String() = %s, want %s", got, tt.want)
		}
	}
}

func TestCanonicalRoundTrip(t *testing.T) {
	for _, tt := range sampleValues() {
		t.Run(tt.name, func(t *testing.T) {
			enc := tt.v.Canonical()
			if appended := tt.v.AppendCanonical([]byte("prefix")); !bytes.Equal(appended[len("prefix"):], enc) || string(appended[:len("prefix")]) != "prefix" {
				t.Fatalf("AppendCanonical does not append Canonical: %x vs %x", appended, enc)
			}
			got, err := effects.DecodeCanonical(enc)
			if err != nil {
				t.Fatalf("DecodeCanonical(%x): %v", enc, err)
			}
			if !got.Equal(tt.v) {
				t.Fatalf("round trip = %v, want %v", got, tt.v)
			}
			if again := got.Canonical(); !bytes.Equal(again, enc) {
				t.Fatalf("re-encoding = %x, want %x", again, enc)
			}
		})
	}
}

// The encoding is part of the wire and trace contract: pin it byte for byte.
func TestCanonicalGoldenBytes(t *testing.T) {
	tests := []struct {
		v    effects.Value
		want string // hex
	}{
		{effects.Null(), "00"},
		{effects.Bool(false), "0100"},
		{effects.Bool(true), "0101"},
		{effects.Int(0), "0200"},
		{effects.Int(-1), "0201"}, // zig-zag
		{effects.Int(1), "0202"},
		{effects.Int(-300), "02d704"},
		{effects.Int(math.MaxInt64), "02feffffffffffffffff01"},
		{effects.Int(math.MinInt64), "02ffffffffffffffffff01"},
		{effects.Uint(127), "037f"},
		{effects.Uint(128), "038001"},
		{effects.Uint(300), "03ac02"},
		{effects.Uint(math.MaxUint64), "03ffffffffffffffffff01"},
		{effects.String("hi"), "04026869"},
		{effects.Bytes([]byte{0xff}), "0501ff"},
		{effects.List(effects.Null(), effects.Bool(true)), "0602000101"},
		{effects.Map(map[string]effects.Value{"b": effects.Null(), "a": effects.Int(1)}), "070201610202016200"},
	}
	for _, tt := range tests {
		if got := hex.EncodeToString(tt.v.Canonical()); got != tt.want {
			t.Errorf("Canonical(%v) = %s, want %s", tt.v, got, tt.want)
		}
	}
}

// malformedEncodings are inputs DecodeCanonical must reject; the fuzz
// target seeds from them too.
func malformedEncodings() []struct {
	name string
	data []byte
} {
	h := func(s string) []byte {
		b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
		if err != nil {
			panic(err)
		}
		return b
	}
	tooDeep := bytes.Repeat([]byte{byte(effects.KindList), 1}, effects.MaxDepth+1)
	tooDeep = append(tooDeep, byte(effects.KindNull))
	return []struct {
		name string
		data []byte
	}{
		{"empty input", nil},
		{"trailing byte after null", h("0000")},
		{"trailing byte after int", h("020200")},
		{"non-minimal uint varint", h("038000")},
		{"non-minimal int varint", h("028100")},
		{"non-minimal string length", h("04810061")},
		{"non-minimal list count", h("06800000")},
		{"non-minimal three-byte varint", h("03808000")},
		{"non-minimal ten-byte varint", h("03ffffffffffffffffff00")},
		{"non-minimal map key length", h("0701 8100 61 00")},
		{"varint overflowing 64 bits", h("03ffffffffffffffffff02")},
		{"varint eleven bytes", h("03ffffffffffffffffffff01")},
		{"truncated varint", h("0380")},
		{"unsorted map keys", h("07020162000161 00")},
		{"duplicate map keys", h("070201610001610101")},
		{"invalid UTF-8 string", h("0401ff")},
		{"truncated UTF-8 sequence", h("0401c3")},
		{"overlong UTF-8 string", h("0402c0af")},
		{"surrogate in string", h("0403eda080")},
		{"invalid UTF-8 map key", h("070101ff00")},
		{"bool byte 2", h("0102")},
		{"bool byte ff", h("01ff")},
		{"bool without payload", h("01")},
		{"unknown tag 8", h("08")},
		{"schema-only tag any", h("0f")},
		{"unknown tag ff", h("ff")},
		{"string length beyond input", h("040561")},
		{"bytes length beyond input", h("05ffffffffffffffff7f00")},
		{"list count beyond input", h("060500")},
		{"map count beyond input", h("070300")},
		{"list item missing", h("0602 0600")},
		{"map value missing", h("07010161")},
		{"map key truncated", h("070105 6100")},
		{"nesting deeper than MaxDepth", tooDeep},
	}
}

func TestDecodeCanonicalRejectsMalformed(t *testing.T) {
	for _, tt := range malformedEncodings() {
		t.Run(tt.name, func(t *testing.T) {
			v, err := effects.DecodeCanonical(tt.data)
			if !errors.Is(err, effects.ErrMalformedValue) {
				t.Fatalf("DecodeCanonical(%x) = %v, %v; want an error wrapping ErrMalformedValue", tt.data, v, err)
			}
			if !v.IsNull() {
				t.Errorf("a failed decode returned %v, want the zero Value", v)
			}
		})
	}
}

func TestDecodeCanonicalDepthLimit(t *testing.T) {
	if _, err := effects.DecodeCanonical(nestedLists(effects.MaxDepth).Canonical()); err != nil {
		t.Errorf("nesting of exactly MaxDepth: %v", err)
	}
	if _, err := effects.DecodeCanonical(nestedLists(effects.MaxDepth + 1).Canonical()); !errors.Is(err, effects.ErrMalformedValue) {
		t.Errorf("nesting of MaxDepth+1: err = %v, want ErrMalformedValue", err)
	}
	deepMap := effects.Null()
	for range effects.MaxDepth + 1 {
		deepMap = effects.Map(map[string]effects.Value{"k": deepMap})
	}
	if _, err := effects.DecodeCanonical(deepMap.Canonical()); !errors.Is(err, effects.ErrMalformedValue) {
		t.Errorf("map nesting of MaxDepth+1: err = %v, want ErrMalformedValue", err)
	}
}

// Regression: every nesting level used to reserve room for the count it
// claimed, so MaxDepth levels each claiming "all the bytes left" made a
// 64 KiB input allocate hundreds of megabytes before failing.
func TestDecodeCanonicalAllocationIsBoundedByInput(t *testing.T) {
	const claimed = 1 << 16
	var in []byte
	for range effects.MaxDepth {
		in = append(in, byte(effects.KindList))
		in = binary.AppendUvarint(in, claimed)
	}
	in = append(in, 0xff) // the innermost first item has an unknown tag
	in = append(in, make([]byte, claimed)...)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := effects.DecodeCanonical(in)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, effects.ErrMalformedValue) {
		t.Fatalf("err = %v, want ErrMalformedValue", err)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	if limit := uint64(16 * len(in)); allocated > limit {
		t.Fatalf("decoding a %d-byte hostile input allocated %d bytes, want at most %d", len(in), allocated, limit)
	}
}

// Equal and the canonical encoding must agree exactly: traces compare
// values by their bytes.
func TestEqualIffCanonicalBytesEqual(t *testing.T) {
	vals := sampleValues()
	vals = append(vals,
		namedValue{"int one again", effects.Int(1)},
		namedValue{"uint one", effects.Uint(1)},
		namedValue{"bytes hello", effects.Bytes([]byte("hello"))},
		namedValue{"list of null", effects.List(effects.Null())},
		namedValue{"map rebuilt", mustMapOf(t,
			effects.Field{Key: "é", Value: effects.String("x")},
			effects.Field{Key: "a", Value: effects.Int(1)},
			effects.Field{Key: "", Value: effects.Null()},
			effects.Field{Key: "b", Value: effects.Int(2)},
		)},
	)
	for _, a := range vals {
		for _, b := range vals {
			eq := a.v.Equal(b.v)
			same := bytes.Equal(a.v.Canonical(), b.v.Canonical())
			if eq != same {
				t.Errorf("%s vs %s: Equal = %v but canonical bytes equal = %v", a.name, b.name, eq, same)
			}
		}
	}
}

// SortedMap takes fields already in key order and gives the same Value as
// MapOf; out of order or repeated keys are refused.
func TestSortedMapEqualsMapOf(t *testing.T) {
	t.Parallel()
	a, b := effects.Field{Key: "a", Value: effects.Int(1)}, effects.Field{Key: "b", Value: effects.String("x")}
	got, err := effects.SortedMap([]effects.Field{a, b})
	if err != nil || !got.Equal(mustMapOf(t, b, a)) {
		t.Fatalf("SortedMap(a, b) = %v, %v; want MapOf's %v", got, err, mustMapOf(t, b, a))
	}
	for _, fs := range [][]effects.Field{{b, a}, {a, a}} {
		if _, err := effects.SortedMap(fs); err == nil {
			t.Fatalf("SortedMap(%v) accepted keys out of order or repeated", fs)
		}
	}
}
