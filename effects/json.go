package effects

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// MarshalJSON encodes v in the project's JSON form, used by traces and the
// CLI: null, true/false and strings are themselves; every other kind is a
// one-key object naming it — {"int":"-3"}, {"uint":"7"}, {"bytes":"0a1b"},
// {"list":[...]}, {"map":{...}} — so the kind survives a round trip and
// 64-bit integers keep their precision. Map keys come out sorted, so the
// output is deterministic.
func (v Value) MarshalJSON() ([]byte, error) {
	return v.appendJSON(nil), nil
}

func (v Value) appendJSON(b []byte) []byte {
	switch v.kind {
	case KindNull:
		return append(b, "null"...)
	case KindBool:
		return strconv.AppendBool(b, v.num == 1)
	case KindString:
		return appendJSONString(b, v.str)
	case KindInt:
		b = append(b, `{"int":"`...)
		b = strconv.AppendInt(b, int64(v.num), 10)
		return append(b, `"}`...)
	case KindUint:
		b = append(b, `{"uint":"`...)
		b = strconv.AppendUint(b, v.num, 10)
		return append(b, `"}`...)
	case KindBytes:
		b = append(b, `{"bytes":"`...)
		b = hex.AppendEncode(b, []byte(v.str))
		return append(b, `"}`...)
	case KindList:
		b = append(b, `{"list":[`...)
		for i, it := range v.list {
			if i > 0 {
				b = append(b, ',')
			}
			b = it.appendJSON(b)
		}
		return append(b, "]}"...)
	case KindMap:
		b = append(b, `{"map":{`...)
		for i, f := range v.m {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, f.Key)
			b = append(b, ':')
			b = f.Value.appendJSON(b)
		}
		return append(b, "}}"...)
	}
	panic(fmt.Sprintf("effects: value of unknown kind %d", v.kind))
}

func appendJSONString(b []byte, s string) []byte {
	out, err := json.Marshal(s)
	if err != nil { // cannot happen for a Go string
		panic(err)
	}
	return append(b, out...)
}

// UnmarshalJSON decodes the form written by MarshalJSON.
func (v *Value) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	// Decode stops after one JSON value; a direct caller (not json.Unmarshal,
	// which checks this itself) must not have "null garbage" accepted.
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("unexpected data after the JSON value")
	}
	out, err := fromJSON(raw, 0)
	if err != nil {
		return err
	}
	*v = out
	return nil
}

func fromJSON(raw any, depth int) (Value, error) {
	if depth > MaxDepth {
		return Value{}, fmt.Errorf("value nested deeper than %d", MaxDepth)
	}
	switch x := raw.(type) {
	case nil:
		return Null(), nil
	case bool:
		return Bool(x), nil
	case string:
		if !utf8.ValidString(x) {
			return Value{}, fmt.Errorf("string is not valid UTF-8")
		}
		return String(x), nil
	case map[string]any:
		if len(x) != 1 {
			return Value{}, fmt.Errorf("a tagged value has exactly one key (int, uint, bytes, list or map), got %d", len(x))
		}
		for tag, body := range x {
			return fromTaggedJSON(tag, body, depth)
		}
	}
	return Value{}, fmt.Errorf("unsupported JSON value %v: numbers are written {\"int\":\"N\"} or {\"uint\":\"N\"}", raw)
}

func fromTaggedJSON(tag string, body any, depth int) (Value, error) {
	switch tag {
	case "int", "uint", "bytes":
		s, ok := body.(string)
		if !ok {
			return Value{}, fmt.Errorf("%q takes a string", tag)
		}
		switch tag {
		case "int":
			i, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return Value{}, fmt.Errorf(`{"int":%q}: want a whole number from -9223372036854775808 to 9223372036854775807, e.g. {"int":"-3"}`, s)
			}
			return Int(i), nil
		case "uint":
			u, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return Value{}, fmt.Errorf(`{"uint":%q}: want a whole number from 0 to 18446744073709551615, e.g. {"uint":"7"}`, s)
			}
			return Uint(u), nil
		default:
			b, err := hex.DecodeString(s)
			if err != nil {
				return Value{}, errors.New(`{"bytes":...}: want hex digits, e.g. {"bytes":"68656c6c6f"}`)
			}
			return Bytes(b), nil
		}
	case "list":
		items, ok := body.([]any)
		if !ok {
			return Value{}, fmt.Errorf(`"list" takes an array`)
		}
		out := make([]Value, len(items))
		for i, it := range items {
			var err error
			if out[i], err = fromJSON(it, depth+1); err != nil {
				return Value{}, err
			}
		}
		return Value{kind: KindList, list: out}, nil
	case "map":
		obj, ok := body.(map[string]any)
		if !ok {
			return Value{}, fmt.Errorf(`"map" takes an object`)
		}
		m := make(map[string]Value, len(obj))
		for k, it := range obj {
			val, err := fromJSON(it, depth+1)
			if err != nil {
				return Value{}, err
			}
			m[k] = val
		}
		return Map(m), nil
	}
	return Value{}, fmt.Errorf("unknown value tag %q", tag)
}
