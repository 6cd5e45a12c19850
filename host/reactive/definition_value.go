package reactive

import (
	"fmt"
	"slices"

	"github.com/aurahost/aura-host/effects"
)

// The fields of a definition's map form, with the kinds of signal each
// belongs to ("" for every kind).
var definitionFields = map[string][]Kind{
	"name": nil, "source": {Source}, "reduce": {Source}, "field": {Source, Map},
	"emit": {Emit}, "initial": {Emit}, "map": {Map}, "fn": {Map},
	"combine": {Combine}, "filter": {Filter}, "match": {Filter},
}

// ParseDefinition reads a definition from its map form (what
// reactive.register carries; effects.ReactiveDefinitionDoc describes it)
// and checks it. The error is an invalid_args *effects.Error naming the
// field and what to write.
func ParseDefinition(v effects.Value) (Definition, error) {
	d, err := parseDefinition(v)
	if err == nil {
		err = d.Check()
	}
	if err != nil {
		return Definition{}, invalid(effects.ReactiveRegister, "definition: %v", err)
	}
	return d, nil
}

func parseDefinition(v effects.Value) (Definition, error) {
	var d Definition
	if v.Kind() != effects.KindMap {
		return d, fmt.Errorf("must be a map, got %s", v.Kind())
	}
	name, err := str(v, "name", true)
	if err != nil {
		return d, err
	}
	d.Name = name
	var kinds []Kind
	for _, k := range []Kind{Source, Emit, Map, Combine, Filter} {
		if _, ok := v.Get(string(k)); ok {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) != 1 {
		return d, fmt.Errorf("signal %s: give exactly one of source, emit, map, combine or filter (got %d)", name, len(kinds))
	}
	d.Kind = kinds[0]
	for _, f := range v.Fields() {
		allowed, known := definitionFields[f.Key]
		if !known {
			return d, fmt.Errorf("signal %s: unknown field %q", name, f.Key)
		}
		if allowed != nil && !slices.Contains(allowed, d.Kind) {
			return d, fmt.Errorf("signal %s: field %q does not belong to a signal of kind %s", name, f.Key, d.Kind)
		}
	}
	if d.Field, err = str(v, "field", false); err != nil {
		return d, err
	}
	switch d.Kind {
	case Source:
		err = d.parseSource(v)
	case Emit:
		if b, ok := get(v, "emit").AsBool(); !ok || !b {
			return d, fmt.Errorf("signal %s: emit must be true", name)
		}
		d.Initial = get(v, "initial")
	case Map:
		if d.Input, err = str(v, "map", true); err == nil {
			d.Fn, err = str(v, "fn", true)
		}
	case Combine:
		d.Inputs, err = strList(get(v, "combine"), "combine")
	case Filter:
		if d.Input, err = str(v, "filter", true); err == nil {
			d.Match, err = parseMatch(get(v, "match"))
		}
	}
	return d, err
}

func (d *Definition) parseSource(v effects.Value) error {
	src := get(v, "source")
	if src.Kind() != effects.KindMap {
		return fmt.Errorf("signal %s: source must be a map {predicate?, type?, authority?}, got %s", d.Name, src.Kind())
	}
	for _, f := range src.Fields() {
		if f.Key != "predicate" && f.Key != "type" && f.Key != "authority" {
			return fmt.Errorf("signal %s: source: unknown field %q (predicate, type or authority)", d.Name, f.Key)
		}
	}
	var err error
	if d.Source.Predicate, err = str(src, "predicate", false); err != nil {
		return err
	}
	if d.Source.Type, err = str(src, "type", false); err != nil {
		return err
	}
	d.Source.Authority = get(src, "authority")
	r, err := str(v, "reduce", true)
	d.Reduce = Reduction(r)
	return err
}

func parseMatch(v effects.Value) (Match, error) {
	if v.Kind() != effects.KindMap {
		return Match{}, fmt.Errorf("filter needs match = {op, value?, field?}, got %s", v.Kind())
	}
	for _, f := range v.Fields() {
		if f.Key != "op" && f.Key != "value" && f.Key != "field" {
			return Match{}, fmt.Errorf("match: unknown field %q (op, value or field)", f.Key)
		}
	}
	op, err := str(v, "op", true)
	if err != nil {
		return Match{}, fmt.Errorf("match: %w", err)
	}
	field, err := str(v, "field", false)
	if err != nil {
		return Match{}, fmt.Errorf("match: %w", err)
	}
	return Match{Op: op, Value: get(v, "value"), Field: field}, nil
}

func get(v effects.Value, key string) effects.Value {
	x, _ := v.Get(key)
	return x
}

func str(v effects.Value, key string, required bool) (string, error) {
	x, ok := v.Get(key)
	if !ok {
		if required {
			return "", fmt.Errorf("field %q is required", key)
		}
		return "", nil
	}
	s, ok := x.AsString()
	if !ok {
		return "", fmt.Errorf("field %q must be a string, got %s", key, x.Kind())
	}
	return s, nil
}

func strList(v effects.Value, key string) ([]string, error) {
	if v.Kind() != effects.KindList {
		return nil, fmt.Errorf("field %q must be a list of signal names, got %s", key, v.Kind())
	}
	out := make([]string, 0, v.Len())
	for i, it := range v.Items() {
		s, ok := it.AsString()
		if !ok {
			return nil, fmt.Errorf("%s[%d] must be a signal name (string), got %s", key, i, it.Kind())
		}
		out = append(out, s)
	}
	return out, nil
}

// Value is d's map form, normalised: what ParseDefinition reads back to an
// equal definition, and what reactive.list shows.
func (d Definition) Value() effects.Value {
	m := map[string]effects.Value{"name": effects.String(d.Name)}
	switch d.Kind {
	case Source:
		src := map[string]effects.Value{}
		if d.Source.Predicate != "" {
			src["predicate"] = effects.String(d.Source.Predicate)
		}
		if d.Source.Type != "" {
			src["type"] = effects.String(d.Source.Type)
		}
		if !d.Source.Authority.IsNull() {
			src["authority"] = d.Source.Authority
		}
		m["source"] = effects.Map(src)
		m["reduce"] = effects.String(string(d.Reduce))
		if d.Reduce == Sum {
			m["field"] = effects.String(d.Field)
		}
	case Emit:
		m["emit"] = effects.Bool(true)
		if !d.Initial.IsNull() {
			m["initial"] = d.Initial
		}
	case Map:
		m["map"], m["fn"] = effects.String(d.Input), effects.String(d.Fn)
		if d.Fn == FnField {
			m["field"] = effects.String(d.Field)
		}
	case Combine:
		in := make([]effects.Value, len(d.Inputs))
		for i, s := range d.Inputs {
			in[i] = effects.String(s)
		}
		m["combine"] = effects.List(in...)
	case Filter:
		match := map[string]effects.Value{"op": effects.String(d.Match.Op)}
		if !d.Match.Value.IsNull() {
			match["value"] = d.Match.Value
		}
		if d.Match.Field != "" {
			match["field"] = effects.String(d.Match.Field)
		}
		m["filter"], m["match"] = effects.String(d.Input), effects.Map(match)
	}
	return effects.Map(m)
}
