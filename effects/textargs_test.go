package effects

import (
	"strings"
	"testing"
)

func TestParseTextArgsReadsEachDeclaredKind(t *testing.T) {
	t.Parallel()
	spec := OpSpec{ID: "test.all", Params: []Param{
		{Name: "b", Kind: KindBytes}, {Name: "s", Kind: KindString}, {Name: "i", Kind: KindInt},
		{Name: "u", Kind: KindUint}, {Name: "ok", Kind: KindBool}, {Name: "any", Kind: KindAny}}}
	got, err := spec.ParseTextArgs(TextArgs{Pairs: []string{"b=0x6869", "s=a=b", "i=-3", "u=7", "ok=true", `any={"list":[{"int":"1"}]}`}})
	if err != nil {
		t.Fatal(err)
	}
	want := Map(map[string]Value{"b": Bytes([]byte("hi")), "s": String("a=b"), "i": Int(-3), "u": Uint(7),
		"ok": Bool(true), "any": List(Int(1))})
	if !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestParseTextArgsMistakesSayWhatToWrite(t *testing.T) {
	t.Parallel()
	spec := OpSpec{ID: "crypto.hash", Params: []Param{{Name: "data", Kind: KindBytes}}}
	for arg, want := range map[string]string{
		"data":         "want NAME=VALUE",
		"size=3":       "has no parameter \"size\"; its signature is",
		"data=zz":      "argument data=zz: want hex digits (bytes), e.g. data=68656c6c6f",
		"data=00 data": "want NAME=VALUE",
	} {
		_, err := spec.ParseTextArgs(TextArgs{Pairs: strings.Fields(arg)})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error containing %q", arg, err, want)
		}
	}
	if _, err := spec.ParseTextArgs(TextArgs{Pairs: []string{"data=00", "data=01"}}); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("twice: %v", err)
	}
}

// A value that does not read names the argument, the value, the kind the
// operation declares and an example — never a Go parser's wording.
func TestParseTextArgsErrorsAreHuman(t *testing.T) {
	t.Parallel()
	spec := OpSpec{ID: "test.kinds", Params: []Param{{Name: "ms", Kind: KindInt}, {Name: "n", Kind: KindUint},
		{Name: "ok", Kind: KindBool}, {Name: "xs", Kind: KindList}, {Name: "m", Kind: KindMap}}}
	for _, tc := range []struct{ arg, want string }{
		{"ms=abc", "argument ms=abc: want an int: a whole number from -9223372036854775808 to 9223372036854775807, e.g. ms=32"},
		{"ms=99999999999999999999", "argument ms=99999999999999999999: out of range: want an int"},
		{"n=-1", "argument n=-1: want a uint: a whole number from 0 to 18446744073709551615, e.g. n=32"},
		{"ok=yes", "argument ok=yes: want a bool: true or false, e.g. ok=true"},
		{"xs=[1", `argument xs=[1: want list in the JSON value form (the JSON ends early), e.g. xs='{"list":[{"int":"1"}]}'`},
		{`xs={"int":"1"}`, "want list in the JSON value form, got int"},
		{`xs={"list":[{"int":"x"}]}`, `{"int":"x"}: want a whole number`},
		{"ms", "argument \"ms\": want NAME=VALUE, e.g. ms=32"},
	} {
		_, err := spec.ParseTextArgs(TextArgs{Pairs: []string{tc.arg}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v\nwant an error containing %s", tc.arg, err, tc.want)
			continue
		}
		for _, goText := range []string{"strconv", "Parse", "invalid syntax", "json:", "Go value"} {
			if strings.Contains(err.Error(), goText) {
				t.Errorf("%s: %v: leaks %q", tc.arg, err, goText)
			}
		}
	}
}

// NAME=@PATH values (read by the caller) are raw bytes for a bytes
// parameter, UTF-8 text for a string, and a pair's text for the rest;
// --args-json members are the JSON value form or a pair's text.
func TestParseTextArgsFromFilesAndJSON(t *testing.T) {
	t.Parallel()
	spec := OpSpec{ID: "storage.store", Params: []Param{{Name: "key", Kind: KindString}, {Name: "value", Kind: KindBytes},
		{Name: "n", Kind: KindInt, Optional: true}}}
	got, err := spec.ParseTextArgs(TextArgs{Files: map[string][]byte{"value": {0, 0xff, '\n'}, "n": []byte(" 7\n")}, JSON: []byte(`{"key": "k"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if want := Map(map[string]Value{"key": String("k"), "value": Bytes([]byte{0, 0xff, '\n'}), "n": Int(7)}); !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	got, err = spec.ParseTextArgs(TextArgs{JSON: []byte(`{"value": "0102", "n": -3, "key": "x"}`)})
	if want := Map(map[string]Value{"key": String("x"), "value": Bytes([]byte{1, 2}), "n": Int(-3)}); err != nil || !got.Equal(want) {
		t.Errorf("got %v, %v, want %v", got, err, want)
	}
	got, err = spec.ParseTextArgs(TextArgs{JSON: []byte(`{"value": {"bytes": "0a"}}`)})
	if want := Map(map[string]Value{"value": Bytes([]byte{10})}); err != nil || !got.Equal(want) {
		t.Errorf("got %v, %v, want %v", got, err, want)
	}
	for _, tc := range []struct {
		in   TextArgs
		want string
	}{
		{TextArgs{Files: map[string][]byte{"key": {0xff}}}, "argument key=@FILE: a string must be UTF-8 text"},
		{TextArgs{Files: map[string][]byte{"n": []byte("x")}}, "argument n=x: want an int"},
		{TextArgs{Pairs: []string{"key=a"}, Files: map[string][]byte{"key": []byte("b")}}, `argument "key" given twice`},
		{TextArgs{Pairs: []string{"key=a"}, JSON: []byte(`{"key": "b"}`)}, `argument "key" given twice`},
		{TextArgs{JSON: []byte(`{"key": "a", "key": "b"}`)}, `--args-json: argument "key" given twice`},
		{TextArgs{JSON: []byte(`[1]`)}, "--args-json: want one JSON object of arguments"},
		{TextArgs{JSON: []byte(`{"key": "a"} {}`)}, "unexpected data after the JSON object"},
		{TextArgs{JSON: []byte(`{"key": 1}`)}, "--args-json: argument key: not the JSON value form"},
		{TextArgs{JSON: []byte(`{"value": true}`)}, "--args-json: argument value: want bytes, got bool"},
		{TextArgs{JSON: []byte(`{"colour": "red"}`)}, `has no parameter "colour"`},
		{TextArgs{JSON: []byte(`{"key": "a",`)}, "--args-json:"},
	} {
		if _, err := spec.ParseTextArgs(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v\nwant an error containing %q", tc.in, err, tc.want)
		}
	}
}
