package compile

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/internal/builtin"
	"github.com/aurahost/aura-host/vm/syntax"
)

// EvalFn evaluates a compiled expression over a coroutine's registers.
type EvalFn func(regs []effects.Value) (effects.Value, error)

// EvalError is an expression failing at run time; the machine turns it
// into an InvalidInput fault at the expression's range.
type EvalError struct {
	Range hcl.Range
	Err   error
}

func (e *EvalError) Error() string { return e.Err.Error() }
func (e *EvalError) Unwrap() error { return e.Err }

func failAt(rng hcl.Range, err error) error {
	if _, ok := err.(*EvalError); ok {
		return err
	}
	return &EvalError{Range: rng, Err: err}
}

// compileExpr turns e into a closure, resolving each binding to its
// register. host() is never compiled: the instruction asks the host. A
// sub-expression without bindings is evaluated once, here.
func compileExpr(e syntax.Expr, slot func(name string) int) EvalFn {
	if v, ok := constant(e); ok {
		return func([]effects.Value) (effects.Value, error) { return v, nil }
	}
	return compileNode(e, slot)
}

// compileNode compiles one node; its children go through compileExpr, so
// they are folded where they can be.
func compileNode(e syntax.Expr, slot func(name string) int) EvalFn {
	switch x := e.(type) {
	case *syntax.LitExpr:
		v := x.Value
		return func([]effects.Value) (effects.Value, error) { return v, nil }
	case *syntax.RefExpr:
		return compileRef(x, slot(x.Name))
	case *syntax.ListExpr:
		items := make([]EvalFn, len(x.Items))
		for i, it := range x.Items {
			items[i] = compileExpr(it, slot)
		}
		return func(regs []effects.Value) (effects.Value, error) {
			out := make([]effects.Value, len(items))
			for i, f := range items {
				v, err := f(regs)
				if err != nil {
					return effects.Value{}, err
				}
				out[i] = v
			}
			return effects.List(out...), nil
		}
	case *syntax.MapExpr:
		return compileMap(x, slot)
	case *syntax.CallExpr:
		b := builtin.Funcs[x.Func]
		args := make([]EvalFn, len(x.Args))
		for i, a := range x.Args {
			args[i] = compileExpr(a, slot)
		}
		rng := x.Range()
		return func(regs []effects.Value) (effects.Value, error) {
			vals := make([]effects.Value, len(args))
			for i, f := range args {
				v, err := f(regs)
				if err != nil {
					return effects.Value{}, err
				}
				vals[i] = v
			}
			v, err := b.Fn(vals)
			if err != nil {
				return effects.Value{}, failAt(rng, err)
			}
			return v, nil
		}
	case *syntax.BinaryExpr:
		l, r := compileExpr(x.Left, slot), compileExpr(x.Right, slot)
		op, rng := x.Op, x.Range()
		return func(regs []effects.Value) (effects.Value, error) {
			a, err := l(regs)
			if err != nil {
				return effects.Value{}, err
			}
			// && and || short-circuit, so a guard can protect the right side.
			if b, ok := a.AsBool(); ok && (op == "&&" && !b || op == "||" && b) {
				return a, nil
			}
			b, err := r(regs)
			if err != nil {
				return effects.Value{}, err
			}
			v, err := builtin.ApplyBinary(op, a, b)
			if err != nil {
				return effects.Value{}, failAt(rng, err)
			}
			return v, nil
		}
	case *syntax.UnaryExpr:
		inner, op, rng := compileExpr(x.X, slot), x.Op, x.Range()
		return func(regs []effects.Value) (effects.Value, error) {
			v, err := inner(regs)
			if err != nil {
				return effects.Value{}, err
			}
			if op == "!" {
				b, ok := v.AsBool()
				if !ok {
					return effects.Value{}, failAt(rng, fmt.Errorf("! needs a bool, got %s", v.Kind()))
				}
				return effects.Bool(!b), nil
			}
			return builtin.ApplyBinary("-", effects.Int(0), v)
		}
	case *syntax.CondExpr:
		c, t, f, rng := compileExpr(x.Cond, slot), compileExpr(x.Then, slot), compileExpr(x.Else, slot), x.Range()
		return func(regs []effects.Value) (effects.Value, error) {
			v, err := c(regs)
			if err != nil {
				return effects.Value{}, err
			}
			b, ok := v.AsBool()
			if !ok {
				return effects.Value{}, failAt(rng, fmt.Errorf("a condition must be a bool, got %s", v.Kind()))
			}
			if b {
				return t(regs)
			}
			return f(regs)
		}
	}
	panic(fmt.Sprintf("vm: cannot compile expression %T", e))
}

// compileMap compiles a map expression. The parser gives its keys sorted
// and unique (syntax.MapExpr), so each evaluation fills one slice in key
// order and hands it to the map Value: no sort and no copy per
// evaluation, where effects.MapOf would do both (an invoke's arguments
// are a map built on every call). SortedMap still checks the order, so a
// MapExpr built some other way fails instead of making a malformed map.
func compileMap(x *syntax.MapExpr, slot func(name string) int) EvalFn {
	keys := x.Keys
	vals := make([]EvalFn, len(x.Values))
	for i, v := range x.Values {
		vals[i] = compileExpr(v, slot)
	}
	return func(regs []effects.Value) (effects.Value, error) {
		fields := make([]effects.Field, len(vals))
		for i, f := range vals {
			v, err := f(regs)
			if err != nil {
				return effects.Value{}, err
			}
			fields[i] = effects.Field{Key: keys[i], Value: v}
		}
		return effects.SortedMap(fields)
	}
}

// constant evaluates an expression that reads no binding. It reports
// false for anything else, and for a constant expression that fails, which
// must fail at run time, where the fault has a role and a step.
func constant(e syntax.Expr) (effects.Value, bool) {
	switch x := e.(type) {
	case *syntax.LitExpr:
		return x.Value, true
	case *syntax.ListExpr, *syntax.MapExpr, *syntax.CallExpr, *syntax.BinaryExpr, *syntax.UnaryExpr, *syntax.CondExpr:
		reads := false
		syntax.WalkExpr(x, func(sub syntax.Expr) {
			switch sub.(type) {
			case *syntax.RefExpr, *syntax.HostExpr:
				reads = true
			}
		})
		if reads {
			return effects.Value{}, false
		}
		v, err := compileDynamic(e)(nil)
		return v, err == nil
	}
	return effects.Value{}, false
}

// compileDynamic compiles an expression that reads no binding, without
// folding it (which would come back here).
func compileDynamic(e syntax.Expr) EvalFn {
	return compileNode(e, func(string) int { panic("vm: a constant expression reads a binding") })
}

func compileRef(x *syntax.RefExpr, slot int) EvalFn {
	path, rng, name := x.Path, x.Range(), x.Name
	if len(path) == 0 {
		return func(regs []effects.Value) (effects.Value, error) { return regs[slot], nil }
	}
	return func(regs []effects.Value) (effects.Value, error) {
		v := regs[slot]
		for _, s := range path {
			if s.Field != "" {
				f, ok := v.Get(s.Field)
				if !ok {
					return effects.Value{}, failAt(rng, fmt.Errorf("$%s has no field %q (it is %s)", name, s.Field, v.Kind()))
				}
				v = f
				continue
			}
			items := v.Items()
			if v.Kind() != effects.KindList || s.Index >= len(items) {
				return effects.Value{}, failAt(rng, fmt.Errorf("$%s has no item %d (it is %s of length %d)", name, s.Index, v.Kind(), v.Len()))
			}
			v = items[s.Index]
		}
		return v, nil
	}
}
