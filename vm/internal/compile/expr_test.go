package compile

import (
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/syntax"
)

// evalSource parses and evaluates one expression over fixed bindings.
func evalSource(t *testing.T, src string) (effects.Value, hcl.Diagnostics, error) {
	t.Helper()
	e, diags := syntax.ParseExpr([]byte(src), "expr.hcl")
	if diags.HasErrors() {
		return effects.Value{}, diags, nil
	}
	bindings := map[string]effects.Value{
		"n":     effects.Int(5),
		"u":     effects.Uint(7),
		"b":     effects.Bytes([]byte{0xca, 0xfe}),
		"s":     effects.String("hi"),
		"flags": effects.List(effects.Bool(true), effects.Bool(false), effects.Bool(true)),
		"m":     effects.Map(map[string]effects.Value{"k": effects.List(effects.Int(1), effects.Int(2))}),
		"xs":    effects.List(effects.Uint(3), effects.Uint(1)),
		"ys":    effects.List(effects.Uint(2), effects.Uint(3)),
	}
	var names []string
	var regs []effects.Value
	slot := func(name string) int {
		for i, n := range names {
			if n == name {
				return i
			}
		}
		names = append(names, name)
		regs = append(regs, bindings[name])
		return len(names) - 1
	}
	f := compileExpr(e, slot)
	v, err := f(regs)
	return v, nil, err
}

func TestExpressions(t *testing.T) {
	u := effects.Uint
	i := effects.Int
	for _, tt := range []struct {
		src  string
		want effects.Value
	}{
		{`1 + 2 * 3`, i(7)},
		{`-4 % 3`, i(-1)},
		{`"$n" * 2 - 1`, i(9)},
		{`uint(3) + "$u"`, u(10)},
		{`"$n" >= 5 && "$n" < 6`, effects.Bool(true)},
		{`!("$s" == "hi")`, effects.Bool(false)},
		{`"$s" != "ho" ? "yes" : "no"`, effects.String("yes")},
		{`count_true("$flags")`, i(2)},
		{`len("$b") + len("$flags") + len("$m")`, i(6)},
		{`"$m.k[1]"`, i(2)},
		{`"$flags[2]"`, effects.Bool(true)},
		{`concat("$b", bytes("00ff"))`, effects.Bytes([]byte{0xca, 0xfe, 0, 0xff})},
		{`concat("a", "$s", "b")`, effects.String("ahib")},
		{`utf8("$s")`, effects.Bytes([]byte("hi"))},
		{`union("$xs", "$ys")`, effects.List(u(1), u(2), u(3))},
		{`difference("$xs", "$ys")`, effects.List(u(1))},
		{`take(union("$xs", "$ys"), 2)`, effects.List(u(1), u(2))},
		{`contains("$ys", uint(2))`, effects.Bool(true)},
		{`encode(true)`, effects.Bytes(effects.Bool(true).Canonical())},
		{`{ b = 1, a = [null, "$$x"] }`, effects.Map(map[string]effects.Value{"a": effects.List(effects.Null(), effects.String("$x")), "b": i(1)})},
		{`{ z = "$n", a = "$s", m = { y = "$u", b = 2 } }`, effects.Map(map[string]effects.Value{"z": i(5), "a": effects.String("hi"),
			"m": effects.Map(map[string]effects.Value{"y": u(7), "b": i(2)})})},
		{`int(uint(4))`, i(4)},
		{`false && "$s" + 1 == 2`, effects.Bool(false)},
		{`9223372036854775808`, u(1 << 63)},
		{`-9223372036854775808`, i(-1 << 63)},
	} {
		got, diags, err := evalSource(t, tt.src)
		if diags.HasErrors() || err != nil {
			t.Errorf("%s: %v %v", tt.src, diags, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("%s = %s, want %s", tt.src, got, tt.want)
		}
	}
}

func TestExpressionErrors(t *testing.T) {
	for _, src := range []string{
		`"$n" + "$u"`,
		`"$s" + 1`,
		`9223372036854775807 + 1`,
		`1 / 0`,
		`uint(1) - uint(2)`,
		`"$m.missing"`,
		`"$flags[7]"`,
		`"$n" ? 1 : 2`,
		`!"$n"`,
		`len("$n")`,
		`bytes("zz")`,
		`concat("a", "$b")`,
		`int(-1) + uint(1)`,
		`uint(-1)`,
		`take("$n", 1)`,
	} {
		_, diags, err := evalSource(t, src)
		if diags.HasErrors() {
			t.Errorf("%s: rejected statically: %s", src, diags)
			continue
		}
		if err == nil {
			t.Errorf("%s: evaluated without error", src)
		}
	}
	for _, src := range []string{`1.5`, `"${1}"`, `x`, `nope(1)`, `len(1, 2)`, `[for x in [1]: x]`, `"$1bad"`, `"$a[x]"`, `"$a.[0]"`, `{ (1) = 2 }`} {
		if _, diags, _ := evalSource(t, src); !diags.HasErrors() {
			t.Errorf("%s: accepted", src)
		}
	}
}

// TestMapExpressionOfUnsortedKeys checks that a map expression whose keys
// are not sorted and unique, which the parser never makes, fails when it
// is evaluated instead of making a malformed map.
func TestMapExpressionOfUnsortedKeys(t *testing.T) {
	ref := func(name string) syntax.Expr {
		e, diags := syntax.ParseExpr([]byte(`"$`+name+`"`), "expr.hcl")
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		return e
	}
	for _, keys := range [][]string{{"b", "a"}, {"a", "a"}} {
		f := compileExpr(&syntax.MapExpr{Keys: keys, Values: []syntax.Expr{ref("x"), ref("x")}}, func(string) int { return 0 })
		if v, err := f([]effects.Value{effects.Int(1)}); err == nil {
			t.Errorf("keys %q: evaluated to %s, want an error", keys, v)
		}
	}
}
