package vm

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
)

// evalFn evaluates a compiled expression over a coroutine's registers.
type evalFn func(regs []effects.Value) (effects.Value, error)

// evalError is an expression failing at run time; the machine turns it
// into an InvalidInput fault at the expression's range.
type evalError struct {
	rng hcl.Range
	err error
}

func (e *evalError) Error() string { return e.err.Error() }
func (e *evalError) Unwrap() error { return e.err }

func failAt(rng hcl.Range, err error) error {
	if _, ok := err.(*evalError); ok {
		return err
	}
	return &evalError{rng: rng, err: err}
}

// compileExpr turns e into a closure, resolving each binding to its
// register. host() is never compiled: the instruction asks the host. A
// sub-expression without bindings is evaluated once, here.
func compileExpr(e Expr, slot func(name string) int) evalFn {
	if v, ok := constant(e); ok {
		return func([]effects.Value) (effects.Value, error) { return v, nil }
	}
	return compileNode(e, slot)
}

// compileNode compiles one node; its children go through compileExpr, so
// they are folded where they can be.
func compileNode(e Expr, slot func(name string) int) evalFn {
	switch x := e.(type) {
	case *litExpr:
		v := x.val
		return func([]effects.Value) (effects.Value, error) { return v, nil }
	case *refExpr:
		return compileRef(x, slot(x.name))
	case *listExpr:
		items := make([]evalFn, len(x.items))
		for i, it := range x.items {
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
	case *mapExpr:
		keys := x.keys
		vals := make([]evalFn, len(x.vals))
		for i, v := range x.vals {
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
			return effects.MapOf(fields...)
		}
	case *callExpr:
		b := builtins[x.fn]
		args := make([]evalFn, len(x.args))
		for i, a := range x.args {
			args[i] = compileExpr(a, slot)
		}
		rng := x.rng
		return func(regs []effects.Value) (effects.Value, error) {
			vals := make([]effects.Value, len(args))
			for i, f := range args {
				v, err := f(regs)
				if err != nil {
					return effects.Value{}, err
				}
				vals[i] = v
			}
			v, err := b.fn(vals)
			if err != nil {
				return effects.Value{}, failAt(rng, err)
			}
			return v, nil
		}
	case *binaryExpr:
		l, r := compileExpr(x.l, slot), compileExpr(x.r, slot)
		op, rng := x.op, x.rng
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
			v, err := applyBinary(op, a, b)
			if err != nil {
				return effects.Value{}, failAt(rng, err)
			}
			return v, nil
		}
	case *unaryExpr:
		inner, op, rng := compileExpr(x.x, slot), x.op, x.rng
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
			return applyBinary("-", effects.Int(0), v)
		}
	case *condExpr:
		c, t, f, rng := compileExpr(x.c, slot), compileExpr(x.t, slot), compileExpr(x.f, slot), x.rng
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

// constant evaluates an expression that reads no binding. It reports
// false for anything else, and for a constant expression that fails, which
// must fail at run time, where the fault has a role and a step.
func constant(e Expr) (effects.Value, bool) {
	switch x := e.(type) {
	case *litExpr:
		return x.val, true
	case *listExpr, *mapExpr, *callExpr, *binaryExpr, *unaryExpr, *condExpr:
		reads := false
		walkExpr(x, func(sub Expr) {
			switch sub.(type) {
			case *refExpr, *hostExpr:
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
func compileDynamic(e Expr) evalFn {
	return compileNode(e, func(string) int { panic("vm: a constant expression reads a binding") })
}

func compileRef(x *refExpr, slot int) evalFn {
	path, rng, name := x.path, x.rng, x.name
	if len(path) == 0 {
		return func(regs []effects.Value) (effects.Value, error) { return regs[slot], nil }
	}
	return func(regs []effects.Value) (effects.Value, error) {
		v := regs[slot]
		for _, s := range path {
			if s.field != "" {
				f, ok := v.Get(s.field)
				if !ok {
					return effects.Value{}, failAt(rng, fmt.Errorf("$%s has no field %q (it is %s)", name, s.field, v.Kind()))
				}
				v = f
				continue
			}
			items := v.Items()
			if v.Kind() != effects.KindList || s.index >= len(items) {
				return effects.Value{}, failAt(rng, fmt.Errorf("$%s has no item %d (it is %s of length %d)", name, s.index, v.Kind(), v.Len()))
			}
			v = items[s.index]
		}
		return v, nil
	}
}
