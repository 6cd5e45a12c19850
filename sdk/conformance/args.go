package conformance

import "github.com/aurahost/aura-host/effects"

// ValidArgs returns the sample arguments for an operation, or else a map
// holding each required parameter with the zero value of its kind.
func (c *Config) ValidArgs(spec effects.OpSpec) effects.Value {
	if args, ok := c.Samples[spec.ID]; ok {
		return args
	}
	m := map[string]effects.Value{}
	for _, p := range spec.Params {
		if !p.Optional {
			m[p.Name] = zeroOf(p.Kind)
		}
	}
	return effects.Map(m)
}

func zeroOf(k effects.Kind) effects.Value {
	switch k {
	case effects.KindBool:
		return effects.Bool(false)
	case effects.KindInt:
		return effects.Int(0)
	case effects.KindUint:
		return effects.Uint(0)
	case effects.KindString:
		return effects.String("")
	case effects.KindBytes:
		return effects.Bytes(nil)
	case effects.KindList:
		return effects.List()
	case effects.KindMap:
		return effects.Map(nil)
	}
	return effects.Null()
}

// wrongKind returns a value no schema slot of kind k accepts.
func wrongKind(k effects.Kind) effects.Value {
	if k == effects.KindBool {
		return effects.String("not a bool")
	}
	return effects.Bool(true)
}

// undeclared is the argument (and config attribute) name no plugin
// declares.
const undeclared = "conformance_undeclared"

// invalidArgs derives invalid variants of valid args: each required
// parameter missing, each parameter of the wrong kind, and one undeclared.
// Keys name the variant for a failure message; the order is the schema's.
func invalidArgs(spec effects.OpSpec, valid effects.Value) []namedArgs {
	base := map[string]effects.Value{}
	for _, f := range valid.Fields() {
		base[f.Key] = f.Value
	}
	with := func(edit func(m map[string]effects.Value)) effects.Value {
		m := make(map[string]effects.Value, len(base)+1)
		for k, v := range base {
			m[k] = v
		}
		edit(m)
		return effects.Map(m)
	}
	var out []namedArgs
	for _, p := range spec.Params {
		if !p.Optional {
			out = append(out, namedArgs{"missing " + p.Name, with(func(m map[string]effects.Value) { delete(m, p.Name) })})
		}
		if p.Kind != effects.KindAny {
			out = append(out, namedArgs{"wrong kind for " + p.Name + " (" + wrongKind(p.Kind).Kind().String() + ")",
				with(func(m map[string]effects.Value) { m[p.Name] = wrongKind(p.Kind) })})
		}
	}
	out = append(out, namedArgs{"undeclared argument " + undeclared, with(func(m map[string]effects.Value) { m[undeclared] = effects.Null() })})
	return out
}

type namedArgs struct {
	name string
	args effects.Value
}

// nested returns a scalar wrapped in n lists.
func nested(n int) effects.Value {
	v := effects.Int(1)
	for range n {
		v = effects.List(v)
	}
	return v
}
