package effects

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// TextArgs are an operation's arguments as people give them on a command
// line (`aura-host invoke`): NAME=VALUE pairs, some of whose values were
// read from files (NAME=@PATH), and one JSON object of them all.
type TextArgs struct {
	// Pairs are NAME=VALUE texts, each value read by the kind the
	// operation declares for NAME (OpSpec.ParseTextArgs).
	Pairs []string
	// Files are the values of NAME=@PATH pairs, by NAME: the contents of
	// PATH, which the caller read (this package touches no file). Bytes
	// are taken as they are, a string must be UTF-8 text, and any other
	// kind is read from the file's text as a pair's value would be.
	Files map[string][]byte
	// JSON is one JSON object of arguments (--args-json), or nil: each
	// member is a value in the JSON value form (Value.MarshalJSON), except
	// that a JSON string for a bytes, int, uint or bool parameter is read
	// as a pair's text would be, and a JSON number for an int or uint.
	JSON []byte
}

// ParseTextArgs reads an operation's arguments written as NAME=VALUE
// pairs, as people type them on a command line: each value is read by the
// kind its parameter declares — bytes as hex (an optional 0x prefix),
// strings as they are, ints and uints as decimal, bools as true or false,
// and any other kind in the JSON value form. A name the operation does not
// declare, or one given twice, is an error naming the signature; a value
// that does not read is an error naming the argument, the value, the kind
// wanted and an example.
func (s OpSpec) ParseTextArgs(in TextArgs) (Value, error) {
	m := make(map[string]Value, len(in.Pairs)+len(in.Files))
	add := func(name string, read func(Param) (Value, error)) error {
		p, found := s.param(name)
		if !found {
			return fmt.Errorf("%s has no parameter %q; its signature is %s", s.ID, name, s.Signature())
		}
		if _, dup := m[name]; dup {
			return fmt.Errorf("argument %q given twice", name)
		}
		v, err := read(p)
		if err != nil {
			return err
		}
		m[name] = v
		return nil
	}
	for _, pair := range in.Pairs {
		name, text, ok := strings.Cut(pair, "=")
		if !ok {
			if p, found := s.param(pair); found {
				return Value{}, fmt.Errorf("argument %q: want NAME=VALUE, e.g. %s", pair, example(p))
			}
			return Value{}, fmt.Errorf("argument %q: want NAME=VALUE; the signature is %s", pair, s.Signature())
		}
		if err := add(name, func(p Param) (Value, error) { return parseArg(p, text) }); err != nil {
			return Value{}, err
		}
	}
	for name, data := range in.Files {
		if err := add(name, func(p Param) (Value, error) { return fileArg(p, data) }); err != nil {
			return Value{}, err
		}
	}
	if in.JSON != nil {
		members, err := jsonMembers(in.JSON)
		if err != nil {
			return Value{}, err
		}
		for _, mem := range members {
			if err := add(mem.name, func(p Param) (Value, error) { return jsonArg(p, mem.raw) }); err != nil {
				return Value{}, fmt.Errorf("--args-json: %w", err)
			}
		}
	}
	return Map(m), nil
}

// parseArg reads one NAME=VALUE pair's text by p's kind.
func parseArg(p Param, text string) (Value, error) {
	v, err := ParseText(p.Kind, text)
	if err != nil {
		return Value{}, fmt.Errorf("argument %s=%s: %w, e.g. %s", p.Name, quoteValue(text), err, example(p))
	}
	return v, nil
}

// fileArg reads one NAME=@PATH value by p's kind.
func fileArg(p Param, data []byte) (Value, error) {
	switch p.Kind {
	case KindBytes:
		return Bytes(data), nil
	case KindString:
		if !utf8.Valid(data) {
			return Value{}, fmt.Errorf("argument %s=@FILE: a string must be UTF-8 text; for binary data the parameter must be bytes", p.Name)
		}
		return String(string(data)), nil
	}
	return parseArg(p, strings.TrimSpace(string(data)))
}

type jsonMember struct {
	name string
	raw  json.RawMessage
}

// jsonMembers splits one JSON object into its members, in order, refusing
// a name given twice (encoding/json would keep the last silently).
func jsonMembers(data []byte) ([]jsonMember, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New(`--args-json: want one JSON object of arguments, e.g. {"key": "greeting", "value": "68656c6c6f"}`)
	}
	var out []jsonMember
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("--args-json: %s", jsonProblem(err))
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("--args-json: member %q: %s", name, jsonProblem(err))
		}
		if seen[name] {
			return nil, fmt.Errorf("--args-json: argument %q given twice", name)
		}
		seen[name] = true
		out = append(out, jsonMember{name, raw})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("--args-json: %s", jsonProblem(err))
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("--args-json: unexpected data after the JSON object")
	}
	return out, nil
}

// jsonArg reads one member of --args-json by p's kind.
func jsonArg(p Param, raw json.RawMessage) (Value, error) {
	var text string
	switch {
	case raw[0] == '"' && textKind(p.Kind) && json.Unmarshal(raw, &text) == nil:
		return parseArg(p, text)
	case (p.Kind == KindInt || p.Kind == KindUint) && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9'):
		return parseArg(p, string(raw))
	}
	var v Value
	if err := v.UnmarshalJSON(raw); err != nil {
		return Value{}, fmt.Errorf("argument %s: not the JSON value form: %s, e.g. %s", p.Name, jsonProblem(err), example(p))
	}
	if p.Kind != KindAny && v.Kind() != p.Kind && !(p.Optional && v.Kind() == KindNull) {
		return Value{}, fmt.Errorf("argument %s: want %s, got %s, e.g. %s", p.Name, p.Kind, v.Kind(), example(p))
	}
	return v, nil
}

// textKind says whether a JSON string is the text form of k's values
// rather than a string value.
func textKind(k Kind) bool {
	return k == KindBytes || k == KindInt || k == KindUint || k == KindBool
}

// ParseText reads one value of the given kind from its text form (see
// OpSpec.ParseTextArgs). Its errors say what was wanted, with no Go
// parser's wording.
func ParseText(kind Kind, text string) (Value, error) {
	switch kind {
	case KindBytes:
		b, err := hex.DecodeString(strings.TrimPrefix(text, "0x"))
		if err != nil {
			return Value{}, errors.New("want hex digits (bytes)")
		}
		return Bytes(b), nil
	case KindString:
		return String(text), nil
	case KindInt:
		i, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return Value{}, numberProblem(err, "an int: a whole number from -9223372036854775808 to 9223372036854775807")
		}
		return Int(i), nil
	case KindUint:
		u, err := strconv.ParseUint(text, 10, 64)
		if err != nil {
			return Value{}, numberProblem(err, "a uint: a whole number from 0 to 18446744073709551615")
		}
		return Uint(u), nil
	case KindBool:
		switch text {
		case "true":
			return Bool(true), nil
		case "false":
			return Bool(false), nil
		}
		return Value{}, errors.New("want a bool: true or false")
	}
	var v Value
	if err := v.UnmarshalJSON([]byte(text)); err != nil {
		return Value{}, fmt.Errorf("want %s in the JSON value form (%s)", kind, jsonProblem(err))
	}
	if kind != KindAny && v.Kind() != kind {
		return Value{}, fmt.Errorf("want %s in the JSON value form, got %s", kind, v.Kind())
	}
	return v, nil
}

func numberProblem(err error, want string) error {
	if errors.Is(err, strconv.ErrRange) {
		return errors.New("out of range: want " + want)
	}
	return errors.New("want " + want)
}

// jsonProblem says what is wrong with JSON text, without the Go type
// names encoding/json's errors carry.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		return fmt.Sprintf("a JSON %s is not expected at byte %d", typ.Value, typ.Offset)
	case err.Error() == "unexpected EOF":
		return "the JSON ends early"
	}
	return err.Error()
}

// example is an argument written right for p: NAME=VALUE.
func example(p Param) string {
	v := map[Kind]string{KindBytes: "68656c6c6f", KindString: "greeting", KindInt: "32", KindUint: "32", KindBool: "true",
		KindList: `'{"list":[{"int":"1"}]}'`, KindMap: `'{"map":{"a":{"int":"1"}}}'`}[p.Kind]
	if v == "" {
		v = `'{"int":"1"}'`
	}
	return p.Name + "=" + v
}

// quoteValue shows a value the user gave, shortened past 40 bytes, quoted
// when it holds anything but printable characters.
func quoteValue(s string) string {
	if len(s) > 40 {
		cut := 40
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	q := strconv.Quote(s)
	if q[1:len(q)-1] == s && !strings.ContainsAny(s, " '") {
		return s
	}
	return q
}
