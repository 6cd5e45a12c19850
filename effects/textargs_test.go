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
	got, err := spec.ParseTextArgs([]string{"b=0x6869", "s=a=b", "i=-3", "u=7", "ok=true", `any={"list":[{"int":"1"}]}`})
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
		"data=zz":      "argument data (bytes): want hex digits",
		"data=00 data": "want NAME=VALUE",
	} {
		_, err := spec.ParseTextArgs(strings.Fields(arg))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error containing %q", arg, err, want)
		}
	}
	if _, err := spec.ParseTextArgs([]string{"data=00", "data=01"}); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("twice: %v", err)
	}
}
