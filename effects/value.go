package effects

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Kind is the type tag of a Value. In schemas, KindAny accepts every kind.
type Kind uint8

// The kinds of a Value. The numeric values are part of the canonical
// encoding and of the wire contract: never renumber them.
const (
	KindNull   Kind = 0
	KindBool   Kind = 1
	KindInt    Kind = 2
	KindUint   Kind = 3
	KindString Kind = 4
	KindBytes  Kind = 5
	KindList   Kind = 6
	KindMap    Kind = 7
	// KindAny appears only in schemas: a parameter or result of any kind.
	KindAny Kind = 15
)

var kindNames = map[Kind]string{
	KindNull: "null", KindBool: "bool", KindInt: "int", KindUint: "uint",
	KindString: "string", KindBytes: "bytes", KindList: "list", KindMap: "map",
	KindAny: "any",
}

func (k Kind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, error) {
	for k, n := range kindNames {
		if n == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown value kind %q (want one of null, bool, int, uint, string, bytes, list, map, any)", s)
}

// known reports whether k is one of the declared kinds; a spec from an
// out-of-process plugin can carry any number.
func (k Kind) known() bool {
	_, ok := kindNames[k]
	return ok
}

// Accepts reports whether a value of kind v satisfies a schema kind k.
func (k Kind) Accepts(v Kind) bool { return k == KindAny || k == v }

// Value is an immutable tagged union: null, bool, int, uint, string, bytes,
// list or map (string keys, kept sorted). The zero Value is null.
//
// Values are passed by value; the slices they hold are never mutated after
// construction, so sharing them is safe.
type Value struct {
	kind Kind
	num  uint64 // bool (0/1), int (two's complement) or uint
	str  string // string, or bytes stored as a string to keep them immutable
	list []Value
	m    []Field // sorted by Key, keys unique
}

// Field is one entry of a map Value.
type Field struct {
	Key   string
	Value Value
}

// Null returns the null Value (the zero Value).
func Null() Value { return Value{} }

// Bool returns a bool Value.
func Bool(b bool) Value {
	if b {
		return Value{kind: KindBool, num: 1}
	}
	return Value{kind: KindBool}
}

// Int returns a signed integer Value.
func Int(i int64) Value { return Value{kind: KindInt, num: uint64(i)} }

// Uint returns an unsigned integer Value.
func Uint(u uint64) Value { return Value{kind: KindUint, num: u} }

// String returns a string Value.
func String(s string) Value { return Value{kind: KindString, str: s} }

// Bytes returns a bytes Value holding a copy of b.
func Bytes(b []byte) Value { return Value{kind: KindBytes, str: string(b)} }

// BytesOf returns a bytes Value holding the bytes of s. A string is
// immutable, so there is nothing to copy: hot paths build one string for
// several byte fields and slice it.
func BytesOf(s string) Value { return Value{kind: KindBytes, str: s} }

// List returns a list Value of the given items.
func List(items ...Value) Value {
	return Value{kind: KindList, list: slices.Clone(items)}
}

// ListOf returns a list Value of items, taking ownership of the slice (no
// copy): for decoders that build a fresh slice for each list.
func ListOf(items []Value) Value { return Value{kind: KindList, list: items} }

// Map returns a map Value; keys are sorted for a deterministic encoding.
func Map(m map[string]Value) Value {
	fields := make([]Field, 0, len(m))
	for k, v := range m {
		fields = append(fields, Field{k, v})
	}
	slices.SortFunc(fields, func(a, b Field) int { return strings.Compare(a.Key, b.Key) })
	return Value{kind: KindMap, m: fields}
}

// MapOf builds a map Value from fields given in any order. A duplicate key
// is an error, not a silent overwrite.
func MapOf(fields ...Field) (Value, error) {
	fs := slices.Clone(fields)
	slices.SortStableFunc(fs, func(a, b Field) int { return strings.Compare(a.Key, b.Key) })
	for i := 1; i < len(fs); i++ {
		if fs[i].Key == fs[i-1].Key {
			return Value{}, fmt.Errorf("duplicate map key %q", fs[i].Key)
		}
	}
	return Value{kind: KindMap, m: fs}, nil
}

// SortedMap builds a map Value from fields already in strictly increasing
// key order, taking ownership of the slice (no copy, no sort): for hot
// paths that build the same shape of map on every call, such as the guard
// chain's facts. Fields out of order or a repeated key are an error.
func SortedMap(fields []Field) (Value, error) {
	for i := 1; i < len(fields); i++ {
		if fields[i-1].Key >= fields[i].Key {
			return Value{}, fmt.Errorf("map keys out of order or repeated: %q before %q", fields[i-1].Key, fields[i].Key)
		}
	}
	return Value{kind: KindMap, m: fields}, nil
}

// Kind returns the value's kind.
func (v Value) Kind() Kind { return v.kind }

// IsNull reports whether v is null.
func (v Value) IsNull() bool { return v.kind == KindNull }

// AsBool returns the bool and whether v is a bool.
func (v Value) AsBool() (bool, bool) { return v.kind == KindBool && v.num == 1, v.kind == KindBool }

// AsInt returns the value as int64. A uint that fits converts too.
func (v Value) AsInt() (int64, bool) {
	switch v.kind {
	case KindInt:
		return int64(v.num), true
	case KindUint:
		return int64(v.num), v.num <= 1<<63-1
	}
	return 0, false
}

// AsUint returns the value as uint64. A non-negative int converts too.
func (v Value) AsUint() (uint64, bool) {
	switch v.kind {
	case KindUint:
		return v.num, true
	case KindInt:
		return v.num, int64(v.num) >= 0
	}
	return 0, false
}

// AsString returns the string and whether v is a string.
func (v Value) AsString() (string, bool) {
	if v.kind != KindString {
		return "", false
	}
	return v.str, true
}

// AsBytes returns a copy of the bytes and whether v is bytes.
func (v Value) AsBytes() ([]byte, bool) {
	if v.kind != KindBytes {
		return nil, false
	}
	return []byte(v.str), true
}

// BytesString returns the bytes of a bytes Value as a string, without
// copying. It is empty for any other kind.
func (v Value) BytesString() string {
	if v.kind != KindBytes {
		return ""
	}
	return v.str
}

// Len returns the number of items of a list, fields of a map, or bytes of a
// string or bytes value.
func (v Value) Len() int {
	switch v.kind {
	case KindList:
		return len(v.list)
	case KindMap:
		return len(v.m)
	case KindString, KindBytes:
		return len(v.str)
	}
	return 0
}

// DeeperThan reports whether v nests lists and maps deeper than limit, v
// itself being at depth 0: a scalar or an empty list is at depth 0, a list
// holding a scalar reaches depth 1. It stops at the first branch past the
// limit, so it costs no more than the part of v it has to look at.
func (v Value) DeeperThan(limit int) bool {
	switch v.kind {
	case KindList:
		for _, it := range v.list {
			if limit == 0 || it.DeeperThan(limit-1) {
				return true
			}
		}
	case KindMap:
		for _, f := range v.m {
			if limit == 0 || f.Value.DeeperThan(limit-1) {
				return true
			}
		}
	}
	return false
}

// Items returns the items of a list (nil for other kinds). The caller must
// not modify the returned slice.
func (v Value) Items() []Value {
	if v.kind != KindList {
		return nil
	}
	return v.list
}

// Fields returns the fields of a map, sorted by key (nil for other kinds).
// The caller must not modify the returned slice.
func (v Value) Fields() []Field {
	if v.kind != KindMap {
		return nil
	}
	return v.m
}

// Get returns the field key of a map Value.
func (v Value) Get(key string) (Value, bool) {
	if v.kind != KindMap {
		return Value{}, false
	}
	i, ok := slices.BinarySearchFunc(v.m, key, func(f Field, k string) int { return strings.Compare(f.Key, k) })
	if !ok {
		return Value{}, false
	}
	return v.m[i].Value, true
}

// Equal reports whether two values are identical in kind and content.
func (v Value) Equal(w Value) bool {
	if v.kind != w.kind || v.num != w.num || v.str != w.str || len(v.list) != len(w.list) || len(v.m) != len(w.m) {
		return false
	}
	for i := range v.list {
		if !v.list[i].Equal(w.list[i]) {
			return false
		}
	}
	for i := range v.m {
		if v.m[i].Key != w.m[i].Key || !v.m[i].Value.Equal(w.m[i].Value) {
			return false
		}
	}
	return true
}

// String renders the value for people: bytes as hex, maps in key order.
// The form is stable, so it is safe in golden files.
func (v Value) String() string {
	var b strings.Builder
	v.format(&b)
	return b.String()
}

func (v Value) format(b *strings.Builder) {
	switch v.kind {
	case KindNull:
		b.WriteString("null")
	case KindBool:
		b.WriteString(strconv.FormatBool(v.num == 1))
	case KindInt:
		b.WriteString(strconv.FormatInt(int64(v.num), 10))
	case KindUint:
		b.WriteString(strconv.FormatUint(v.num, 10))
		b.WriteString("u")
	case KindString:
		b.WriteString(strconv.Quote(v.str))
	case KindBytes:
		b.WriteString("0x")
		b.WriteString(hex.EncodeToString([]byte(v.str)))
	case KindList:
		b.WriteByte('[')
		for i, it := range v.list {
			if i > 0 {
				b.WriteString(", ")
			}
			it.format(b)
		}
		b.WriteByte(']')
	case KindMap:
		b.WriteByte('{')
		for i, f := range v.m {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(f.Key)
			b.WriteString(": ")
			f.Value.format(b)
		}
		b.WriteByte('}')
	}
}

// Compare orders values by their canonical encoding; it is a total order
// used where a deterministic order of values is needed.
func Compare(a, b Value) int {
	return bytes.Compare(a.AppendCanonical(nil), b.AppendCanonical(nil))
}
