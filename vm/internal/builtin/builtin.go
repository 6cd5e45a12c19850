package builtin

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"encoding/hex"

	"github.com/aurahost/aura-host/effects"
)

// Func is a pure function of the expression language. Every built-in
// is deterministic: same arguments, same result, on every machine.
type Func struct {
	Min, Max int // arity; Max < 0 for variadic
	Fn       func(args []effects.Value) (effects.Value, error)
	Doc      string
}

// Funcs are the built-ins by name. The syntax checks calls against their
// arity; the compiler calls Fn, folding calls on constants.
var Funcs = map[string]Func{
	"len":        {1, 1, fnLen, "number of items, fields or bytes"},
	"count_true": {1, 1, fnCountTrue, "number of true items of a list"},
	"bytes":      {1, 1, fnBytes, "bytes from a hex string"},
	"utf8":       {1, 1, fnUTF8, "the UTF-8 bytes of a string"},
	"concat":     {1, -1, fnConcat, "joins strings, bytes or lists"},
	"int":        {1, 1, fnInt, "converts to a signed integer"},
	"uint":       {1, 1, fnUint, "converts to an unsigned integer"},
	"encode":     {1, 1, fnEncode, "the canonical encoding of a value, as bytes"},
	"union":      {2, 2, fnUnion, "sorted set union of two lists"},
	"difference": {2, 2, fnDifference, "sorted items of the first list not in the second"},
	"take":       {2, 2, fnTake, "the first n items of a list"},
	"contains":   {2, 2, fnContains, "whether a list holds a value"},
}

// Names lists the built-ins' names, sorted, for diagnostics.
func Names() string {
	return strings.Join(slices.Sorted(maps.Keys(Funcs)), ", ")
}

func fnLen(a []effects.Value) (effects.Value, error) {
	switch a[0].Kind() {
	case effects.KindList, effects.KindMap, effects.KindString, effects.KindBytes:
		return effects.Int(int64(a[0].Len())), nil
	}
	return effects.Value{}, fmt.Errorf("len() of %s", a[0].Kind())
}

func fnCountTrue(a []effects.Value) (effects.Value, error) {
	if a[0].Kind() != effects.KindList {
		return effects.Value{}, fmt.Errorf("count_true() takes a list, got %s", a[0].Kind())
	}
	n := 0
	for _, it := range a[0].Items() {
		if b, ok := it.AsBool(); ok && b {
			n++
		}
	}
	return effects.Int(int64(n)), nil
}

func fnBytes(a []effects.Value) (effects.Value, error) {
	s, ok := a[0].AsString()
	if !ok {
		return effects.Value{}, fmt.Errorf("bytes() takes a hex string, got %s", a[0].Kind())
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return effects.Value{}, fmt.Errorf("bytes(%q): not hex", s)
	}
	return effects.Bytes(b), nil
}

func fnUTF8(a []effects.Value) (effects.Value, error) {
	s, ok := a[0].AsString()
	if !ok {
		return effects.Value{}, fmt.Errorf("utf8() takes a string, got %s", a[0].Kind())
	}
	return effects.Bytes([]byte(s)), nil
}

func fnConcat(a []effects.Value) (effects.Value, error) {
	k := a[0].Kind()
	for _, v := range a {
		if v.Kind() != k {
			return effects.Value{}, fmt.Errorf("concat() of %s and %s", k, v.Kind())
		}
	}
	switch k {
	case effects.KindString:
		var b strings.Builder
		for _, v := range a {
			s, _ := v.AsString()
			b.WriteString(s)
		}
		return effects.String(b.String()), nil
	case effects.KindBytes:
		var b []byte
		for _, v := range a {
			b = append(b, v.BytesString()...)
		}
		return effects.Bytes(b), nil
	case effects.KindList:
		var items []effects.Value
		for _, v := range a {
			items = append(items, v.Items()...)
		}
		return effects.List(items...), nil
	}
	return effects.Value{}, fmt.Errorf("concat() of %s", k)
}

func fnInt(a []effects.Value) (effects.Value, error) {
	i, ok := a[0].AsInt()
	if !ok {
		return effects.Value{}, fmt.Errorf("int() of %s %s", a[0].Kind(), a[0])
	}
	return effects.Int(i), nil
}

func fnUint(a []effects.Value) (effects.Value, error) {
	u, ok := a[0].AsUint()
	if !ok {
		return effects.Value{}, fmt.Errorf("uint() of %s %s", a[0].Kind(), a[0])
	}
	return effects.Uint(u), nil
}

func fnEncode(a []effects.Value) (effects.Value, error) {
	return effects.Bytes(a[0].Canonical()), nil
}

// SortedSet returns the items of a list sorted by canonical encoding with
// duplicates removed.
func SortedSet(items []effects.Value) []effects.Value {
	out := slices.Clone(items)
	slices.SortFunc(out, effects.Compare)
	return slices.CompactFunc(out, effects.Value.Equal)
}

func twoLists(name string, a []effects.Value) error {
	if a[0].Kind() != effects.KindList || a[1].Kind() != effects.KindList {
		return fmt.Errorf("%s() takes two lists, got %s and %s", name, a[0].Kind(), a[1].Kind())
	}
	return nil
}

func fnUnion(a []effects.Value) (effects.Value, error) {
	if err := twoLists("union", a); err != nil {
		return effects.Value{}, err
	}
	return effects.List(SortedSet(append(slices.Clone(a[0].Items()), a[1].Items()...))...), nil
}

func fnDifference(a []effects.Value) (effects.Value, error) {
	if err := twoLists("difference", a); err != nil {
		return effects.Value{}, err
	}
	var out []effects.Value
	for _, it := range SortedSet(a[0].Items()) {
		if !slices.ContainsFunc(a[1].Items(), it.Equal) {
			out = append(out, it)
		}
	}
	return effects.List(out...), nil
}

func fnTake(a []effects.Value) (effects.Value, error) {
	n, ok := a[1].AsInt()
	if a[0].Kind() != effects.KindList || !ok || n < 0 {
		return effects.Value{}, fmt.Errorf("take() takes a list and a non-negative count")
	}
	items := a[0].Items()
	return effects.List(items[:min(int(n), len(items))]...), nil
}

func fnContains(a []effects.Value) (effects.Value, error) {
	if a[0].Kind() != effects.KindList {
		return effects.Value{}, fmt.Errorf("contains() takes a list, got %s", a[0].Kind())
	}
	return effects.Bool(slices.ContainsFunc(a[0].Items(), a[1].Equal)), nil
}

// ApplyBinary evaluates a binary operator. Integer arithmetic is checked:
// an overflow is an error, never a wrap-around.
func ApplyBinary(op string, l, r effects.Value) (effects.Value, error) {
	switch op {
	case "==":
		return effects.Bool(l.Equal(r)), nil
	case "!=":
		return effects.Bool(!l.Equal(r)), nil
	case "&&", "||":
		lb, ok1 := l.AsBool()
		rb, ok2 := r.AsBool()
		if !ok1 || !ok2 {
			return effects.Value{}, fmt.Errorf("%s needs two bools, got %s and %s", op, l.Kind(), r.Kind())
		}
		if op == "&&" {
			return effects.Bool(lb && rb), nil
		}
		return effects.Bool(lb || rb), nil
	}
	if l.Kind() != r.Kind() || l.Kind() != effects.KindInt && l.Kind() != effects.KindUint {
		return effects.Value{}, fmt.Errorf("%s needs two ints or two uints, got %s and %s", op, l.Kind(), r.Kind())
	}
	if l.Kind() == effects.KindUint {
		a, _ := l.AsUint()
		b, _ := r.AsUint()
		return uintOp(op, a, b)
	}
	a, _ := l.AsInt()
	b, _ := r.AsInt()
	return intOp(op, a, b)
}

func intOp(op string, a, b int64) (effects.Value, error) {
	switch op {
	case "<":
		return effects.Bool(a < b), nil
	case "<=":
		return effects.Bool(a <= b), nil
	case ">":
		return effects.Bool(a > b), nil
	case ">=":
		return effects.Bool(a >= b), nil
	case "+":
		if b > 0 && a > math.MaxInt64-b || b < 0 && a < math.MinInt64-b {
			return effects.Value{}, fmt.Errorf("integer overflow in %d + %d", a, b)
		}
		return effects.Int(a + b), nil
	case "-":
		if b < 0 && a > math.MaxInt64+b || b > 0 && a < math.MinInt64+b {
			return effects.Value{}, fmt.Errorf("integer overflow in %d - %d", a, b)
		}
		return effects.Int(a - b), nil
	case "*":
		if a != 0 && b != 0 {
			c := a * b
			if c/b != a || a == -1 && b == math.MinInt64 || b == -1 && a == math.MinInt64 {
				return effects.Value{}, fmt.Errorf("integer overflow in %d * %d", a, b)
			}
		}
		return effects.Int(a * b), nil
	case "/", "%":
		if b == 0 {
			return effects.Value{}, fmt.Errorf("division by zero")
		}
		if a == math.MinInt64 && b == -1 {
			return effects.Value{}, fmt.Errorf("integer overflow in %d %s %d", a, op, b)
		}
		if op == "/" {
			return effects.Int(a / b), nil
		}
		return effects.Int(a % b), nil
	}
	return effects.Value{}, fmt.Errorf("unknown operator %s", op)
}

func uintOp(op string, a, b uint64) (effects.Value, error) {
	switch op {
	case "<":
		return effects.Bool(a < b), nil
	case "<=":
		return effects.Bool(a <= b), nil
	case ">":
		return effects.Bool(a > b), nil
	case ">=":
		return effects.Bool(a >= b), nil
	case "+":
		if a > math.MaxUint64-b {
			return effects.Value{}, fmt.Errorf("integer overflow in %d + %d", a, b)
		}
		return effects.Uint(a + b), nil
	case "-":
		if b > a {
			return effects.Value{}, fmt.Errorf("integer underflow in %d - %d", a, b)
		}
		return effects.Uint(a - b), nil
	case "*":
		if a != 0 && b > math.MaxUint64/a {
			return effects.Value{}, fmt.Errorf("integer overflow in %d * %d", a, b)
		}
		return effects.Uint(a * b), nil
	case "/", "%":
		if b == 0 {
			return effects.Value{}, fmt.Errorf("division by zero")
		}
		if op == "/" {
			return effects.Uint(a / b), nil
		}
		return effects.Uint(a % b), nil
	}
	return effects.Value{}, fmt.Errorf("unknown operator %s", op)
}
