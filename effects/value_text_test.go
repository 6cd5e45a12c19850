package effects

import (
	"strings"
	"testing"
)

func TestValueWriteText(t *testing.T) {
	for _, c := range []struct {
		v    Value
		want string
	}{
		{Bytes([]byte("hi")), "6869\n"},
		{String("hello world"), "hello world\n"},
		{Int(-3), "-3\n"},
		{Map(map[string]Value{"key": Bytes([]byte{1, 2}), "name": String("x"), "n": Int(5)}), "key: 0102\nn: 5\nname: x\n"},
	} {
		var b strings.Builder
		c.v.WriteText(&b)
		if b.String() != c.want {
			t.Errorf("%s: got %q, want %q", c.v, b.String(), c.want)
		}
	}
}
