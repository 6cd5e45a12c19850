package reactive

import (
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

// Every well-formed definition reads back equal from its normalised map
// form; every malformed one is invalid_args saying what is wrong.
func TestParseDefinition(t *testing.T) {
	valid := []effects.Value{
		m("name", "n", "source", m("predicate", "p"), "reduce", "count"),
		m("name", "n", "source", m("type", "t", "authority", "alice"), "reduce", "latest"),
		m("name", "n", "source", m("authority", effects.Bytes([]byte{1})), "reduce", "ids"),
		m("name", "n", "source", m(), "reduce", "sum", "field", "amount"),
		m("name", "x", "emit", true),
		m("name", "x", "emit", true, "initial", m("a", 1)),
		m("name", "l", "map", "x", "fn", "len"),
		m("name", "f", "map", "x", "fn", "field", "field", "a"),
		m("name", "c", "combine", []string{"a", "b"}),
		m("name", "f", "filter", "x", "match", m("op", "gt", "value", 3, "field", "n")),
		m("name", "f", "filter", "x", "match", m("op", "present")),
	}
	for _, v := range valid {
		d, err := ParseDefinition(v)
		if err != nil {
			t.Errorf("%v: %v", v, err)
			continue
		}
		back, err := ParseDefinition(d.Value())
		if err != nil || !back.Equal(d) {
			t.Errorf("%v: its map form %v reads back as %v, %v", v, d.Value(), back.Value(), err)
		}
	}
	invalid := []struct {
		def  effects.Value
		want string
	}{
		{effects.String("n"), "must be a map"},
		{m("source", m(), "reduce", "count"), `field "name" is required`},
		{m("name", "", "emit", true), "1 to 128 bytes"},
		{m("name", "a b", "emit", true), "is not allowed"},
		{m("name", strings.Repeat("a", 129), "emit", true), "1 to 128 bytes"},
		{m("name", "n"), "exactly one of source, emit, map, combine or filter (got 0)"},
		{m("name", "n", "emit", true, "map", "x", "fn", "len"), "got 2"},
		{m("name", "n", "emit", false), "emit must be true"},
		{m("name", "n", "emit", true, "reduce", "count"), `field "reduce" does not belong to a signal of kind emit`},
		{m("name", "n", "emit", true, "colour", "red"), `unknown field "colour"`},
		{m("name", "n", "source", "p", "reduce", "count"), "source must be a map"},
		{m("name", "n", "source", m("pred", "p"), "reduce", "count"), `source: unknown field "pred"`},
		{m("name", "n", "source", m("predicate", 3), "reduce", "count"), `"predicate" must be a string`},
		{m("name", "n", "source", m("authority", 3), "reduce", "count"), "authority must be non-empty bytes or a non-empty string"},
		{m("name", "n", "source", m(), "reduce", "median"), `reduce "median" is not one of`},
		{m("name", "n", "source", m()), `field "reduce" is required`},
		{m("name", "n", "source", m(), "reduce", "sum"), "needs field = NAME"},
		{m("name", "n", "source", m(), "reduce", "count", "field", "a"), `field belongs to reduce = "sum"`},
		{m("name", "n", "map", "x", "fn", "square"), `fn "square" is not one of`},
		{m("name", "n", "map", "x", "fn", "field"), "needs field = NAME"},
		{m("name", "n", "map", "x", "fn", "len", "field", "a"), `field belongs to fn = "field"`},
		{m("name", "n", "map", "n", "fn", "len"), "cannot derive a signal from itself"},
		{m("name", "n", "combine", []string{}), "combine takes 1 to 32 signals, got 0"},
		{m("name", "n", "combine", []string{"a", "a"}), "combine names a twice"},
		{m("name", "n", "combine", "a"), "must be a list of signal names"},
		{m("name", "n", "filter", "x"), "filter needs match"},
		{m("name", "n", "filter", "x", "match", m("op", "like")), `match op "like" is not one of`},
		{m("name", "n", "filter", "x", "match", m("op", "present", "value", 1)), `match op "present" takes no value`},
		{m("name", "n", "filter", "x", "match", m("op", "eq", "where", 1)), `match: unknown field "where"`},
		{m("name", "n", "emit", true, "initial", effects.Bytes(make([]byte, MaxValueBytes+1))), "more than 65536"},
	}
	for _, tc := range invalid {
		_, err := ParseDefinition(tc.def)
		wantCode(t, err, effects.CodeInvalidArgs, tc.def.String())
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v\n  does not say %q", tc.def, err, tc.want)
		}
	}
}
