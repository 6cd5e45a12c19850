package builtin

import (
	"math"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

func TestEveryBuiltinHasAnArityAndADoc(t *testing.T) {
	t.Parallel()
	for name, f := range Funcs {
		if f.Fn == nil || f.Doc == "" || f.Min < 0 || (f.Max >= 0 && f.Max < f.Min) {
			t.Errorf("%s: Min %d, Max %d, Fn set %v, Doc %q", name, f.Min, f.Max, f.Fn != nil, f.Doc)
		}
		if !strings.Contains(Names(), name) {
			t.Errorf("Names() = %q misses %s", Names(), name)
		}
	}
}

func TestBuiltinsCompute(t *testing.T) {
	t.Parallel()
	list := effects.List(effects.Int(3), effects.Int(1))
	for _, tc := range []struct {
		fn   string
		args []effects.Value
		want effects.Value
	}{
		{"len", []effects.Value{list}, effects.Int(2)},
		{"count_true", []effects.Value{effects.List(effects.Bool(true), effects.Bool(false), effects.Bool(true))}, effects.Int(2)},
		{"bytes", []effects.Value{effects.String("ff00")}, effects.Bytes([]byte{0xff, 0})},
		{"union", []effects.Value{list, effects.List(effects.Int(2))}, effects.List(effects.Int(1), effects.Int(2), effects.Int(3))},
		{"difference", []effects.Value{list, effects.List(effects.Int(1))}, effects.List(effects.Int(3))},
		{"contains", []effects.Value{list, effects.Int(3)}, effects.Bool(true)},
	} {
		got, err := Funcs[tc.fn].Fn(tc.args)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%s(%v) = %v, %v; want %v", tc.fn, tc.args, got, err, tc.want)
		}
	}
	if _, err := Funcs["len"].Fn([]effects.Value{effects.Int(1)}); err == nil {
		t.Error("len(int) gave no error")
	}
}

func TestIntegerArithmeticIsChecked(t *testing.T) {
	t.Parallel()
	if _, err := ApplyBinary("+", effects.Int(math.MaxInt64), effects.Int(1)); err == nil {
		t.Error("MaxInt64 + 1 did not fail: arithmetic must never wrap around")
	}
	if _, err := ApplyBinary("+", effects.Int(1), effects.Uint(1)); err == nil {
		t.Error("int + uint did not fail")
	}
	if v, err := ApplyBinary("<", effects.Uint(1), effects.Uint(2)); err != nil || !v.Equal(effects.Bool(true)) {
		t.Errorf("1 < 2 = %v, %v", v, err)
	}
}
