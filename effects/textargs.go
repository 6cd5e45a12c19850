package effects

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ParseTextArgs reads an operation's arguments written as NAME=VALUE
// pairs, as people type them on a command line: each value is read by the
// kind its parameter declares — bytes as hex (an optional 0x prefix),
// strings as they are, ints, uints and bools as Go writes them, and any
// other kind in the JSON value form. A name the operation does not
// declare, or one given twice, is an error naming the signature.
func (s OpSpec) ParseTextArgs(pairs []string) (Value, error) {
	m := make(map[string]Value, len(pairs))
	for _, pair := range pairs {
		name, text, ok := strings.Cut(pair, "=")
		if !ok {
			return Value{}, fmt.Errorf("argument %q: want NAME=VALUE", pair)
		}
		p, found := s.param(name)
		if !found {
			return Value{}, fmt.Errorf("%s has no parameter %q; its signature is %s", s.ID, name, s.Signature())
		}
		if _, dup := m[name]; dup {
			return Value{}, fmt.Errorf("argument %q given twice", name)
		}
		v, err := ParseText(p.Kind, text)
		if err != nil {
			return Value{}, fmt.Errorf("argument %s (%s): %w", name, p.Kind, err)
		}
		m[name] = v
	}
	return Map(m), nil
}

// ParseText reads one value of the given kind from its text form (see
// OpSpec.ParseTextArgs).
func ParseText(kind Kind, text string) (Value, error) {
	switch kind {
	case KindBytes:
		b, err := hex.DecodeString(strings.TrimPrefix(text, "0x"))
		if err != nil {
			return Value{}, errors.New("want hex digits, e.g. 68656c6c6f")
		}
		return Bytes(b), nil
	case KindString:
		return String(text), nil
	case KindInt:
		i, err := strconv.ParseInt(text, 10, 64)
		return Int(i), err
	case KindUint:
		u, err := strconv.ParseUint(text, 10, 64)
		return Uint(u), err
	case KindBool:
		b, err := strconv.ParseBool(text)
		return Bool(b), err
	}
	var v Value
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return Value{}, fmt.Errorf("want the JSON value form: %w", err)
	}
	return v, nil
}
