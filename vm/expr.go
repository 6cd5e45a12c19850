package vm

import (
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
)

// Expr is a value expression of the protocol language (see LANGUAGE.md):
// literals, "$name" binding references, lists, maps, operators, a
// conditional and a few pure built-in functions. Expressions are data: the
// machine evaluates them over a role's bindings, never over the outside
// world. String renders the expression in source form, and two
// expressions are equal exactly when their String forms are.
type Expr interface {
	Range() hcl.Range
	String() string
	exprNode()
}

type (
	litExpr struct {
		val effects.Value
		rng hcl.Range
	}
	// refExpr reads a binding: "$name", then field and index steps.
	refExpr struct {
		name string
		path []pathStep
		rng  hcl.Range
	}
	listExpr struct {
		items []Expr
		rng   hcl.Range
	}
	mapExpr struct {
		keys []string // sorted
		vals []Expr
		rng  hcl.Range
	}
	callExpr struct {
		fn   string
		args []Expr
		rng  hcl.Range
	}
	binaryExpr struct {
		op   string
		l, r Expr
		rng  hcl.Range
	}
	unaryExpr struct {
		op  string
		x   Expr
		rng hcl.Range
	}
	condExpr struct {
		c, t, f Expr
		rng     hcl.Range
	}
	// hostExpr is host(): the value is asked of the host at run time.
	hostExpr struct{ rng hcl.Range }
)

// pathStep is one step after a binding name: .field, [n] or, before family
// expansion, [*].
type pathStep struct {
	field string
	index int
	star  bool
}

func (e *litExpr) Range() hcl.Range    { return e.rng }
func (e *refExpr) Range() hcl.Range    { return e.rng }
func (e *listExpr) Range() hcl.Range   { return e.rng }
func (e *mapExpr) Range() hcl.Range    { return e.rng }
func (e *callExpr) Range() hcl.Range   { return e.rng }
func (e *binaryExpr) Range() hcl.Range { return e.rng }
func (e *unaryExpr) Range() hcl.Range  { return e.rng }
func (e *condExpr) Range() hcl.Range   { return e.rng }
func (e *hostExpr) Range() hcl.Range   { return e.rng }

func (*litExpr) exprNode()    {}
func (*refExpr) exprNode()    {}
func (*listExpr) exprNode()   {}
func (*mapExpr) exprNode()    {}
func (*callExpr) exprNode()   {}
func (*binaryExpr) exprNode() {}
func (*unaryExpr) exprNode()  {}
func (*condExpr) exprNode()   {}
func (*hostExpr) exprNode()   {}

// exprString is e.String(), or "" for a nil expression.
func exprString(e Expr) string {
	if e == nil {
		return ""
	}
	return e.String()
}

func (e *litExpr) String() string { return formatLiteral(e.val) }

// formatLiteral writes a value in the language's source form.
func formatLiteral(v effects.Value) string {
	switch v.Kind() {
	case effects.KindNull:
		return "null"
	case effects.KindBool:
		b, _ := v.AsBool()
		return strconv.FormatBool(b)
	case effects.KindInt:
		i, _ := v.AsInt()
		return strconv.FormatInt(i, 10)
	case effects.KindUint:
		u, _ := v.AsUint()
		return "uint(" + strconv.FormatUint(u, 10) + ")"
	case effects.KindString:
		s, _ := v.AsString()
		if strings.HasPrefix(s, "$") {
			s = "$" + s
		}
		return strconv.Quote(s)
	case effects.KindBytes:
		return `bytes("` + strings.TrimPrefix(v.String(), "0x") + `")`
	case effects.KindList:
		parts := make([]string, len(v.Items()))
		for i, it := range v.Items() {
			parts[i] = formatLiteral(it)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case effects.KindMap:
		parts := make([]string, len(v.Fields()))
		for i, f := range v.Fields() {
			parts[i] = formatKey(f.Key) + " = " + formatLiteral(f.Value)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return v.String()
}

func formatKey(k string) string {
	if isIdent(k) {
		return k
	}
	return strconv.Quote(k)
}

func (e *refExpr) String() string {
	var b strings.Builder
	b.WriteString(`"$`)
	b.WriteString(e.name)
	for _, s := range e.path {
		switch {
		case s.star:
			b.WriteString("[*]")
		case s.field != "":
			b.WriteString(".")
			b.WriteString(s.field)
		default:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		}
	}
	b.WriteString(`"`)
	return b.String()
}

func (e *listExpr) String() string {
	parts := make([]string, len(e.items))
	for i, it := range e.items {
		parts[i] = it.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func (e *mapExpr) String() string {
	parts := make([]string, len(e.keys))
	for i, k := range e.keys {
		parts[i] = formatKey(k) + " = " + e.vals[i].String()
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (e *callExpr) String() string {
	parts := make([]string, len(e.args))
	for i, a := range e.args {
		parts[i] = a.String()
	}
	return e.fn + "(" + strings.Join(parts, ", ") + ")"
}

func (e *binaryExpr) String() string {
	return "(" + e.l.String() + " " + e.op + " " + e.r.String() + ")"
}

func (e *unaryExpr) String() string { return e.op + e.x.String() }

func (e *condExpr) String() string {
	return "(" + e.c.String() + " ? " + e.t.String() + " : " + e.f.String() + ")"
}

func (e *hostExpr) String() string { return "host()" }

// isHost reports whether e is host().
func isHost(e Expr) bool {
	_, ok := e.(*hostExpr)
	return ok
}

// walkExpr calls fn on e and every sub-expression, parents first.
func walkExpr(e Expr, fn func(Expr)) {
	if e == nil {
		return
	}
	fn(e)
	switch x := e.(type) {
	case *listExpr:
		for _, it := range x.items {
			walkExpr(it, fn)
		}
	case *mapExpr:
		for _, v := range x.vals {
			walkExpr(v, fn)
		}
	case *callExpr:
		for _, a := range x.args {
			walkExpr(a, fn)
		}
	case *binaryExpr:
		walkExpr(x.l, fn)
		walkExpr(x.r, fn)
	case *unaryExpr:
		walkExpr(x.x, fn)
	case *condExpr:
		walkExpr(x.c, fn)
		walkExpr(x.t, fn)
		walkExpr(x.f, fn)
	}
}

// substitute returns e with every [*] and index() replaced by member i of
// a family expansion. Sub-trees without either are shared, not copied.
func substitute(e Expr, i int) Expr {
	switch x := e.(type) {
	case nil:
		return nil
	case *refExpr:
		star := false
		for _, s := range x.path {
			star = star || s.star
		}
		if !star {
			return x
		}
		path := make([]pathStep, len(x.path))
		for j, s := range x.path {
			if s.star {
				s = pathStep{index: i}
			}
			path[j] = s
		}
		return &refExpr{name: x.name, path: path, rng: x.rng}
	case *listExpr:
		items := make([]Expr, len(x.items))
		for j, it := range x.items {
			items[j] = substitute(it, i)
		}
		return &listExpr{items: items, rng: x.rng}
	case *mapExpr:
		vals := make([]Expr, len(x.vals))
		for j, v := range x.vals {
			vals[j] = substitute(v, i)
		}
		return &mapExpr{keys: x.keys, vals: vals, rng: x.rng}
	case *callExpr:
		if x.fn == "index" {
			return &litExpr{val: effects.Int(int64(i)), rng: x.rng}
		}
		args := make([]Expr, len(x.args))
		for j, a := range x.args {
			args[j] = substitute(a, i)
		}
		return &callExpr{fn: x.fn, args: args, rng: x.rng}
	case *binaryExpr:
		return &binaryExpr{op: x.op, l: substitute(x.l, i), r: substitute(x.r, i), rng: x.rng}
	case *unaryExpr:
		return &unaryExpr{op: x.op, x: substitute(x.x, i), rng: x.rng}
	case *condExpr:
		return &condExpr{c: substitute(x.c, i), t: substitute(x.t, i), f: substitute(x.f, i), rng: x.rng}
	}
	return e
}

// hasStar reports whether e uses [*] or index(), so needs a family member.
func hasStar(e Expr) (bool, hcl.Range) {
	var found bool
	var rng hcl.Range
	walkExpr(e, func(x Expr) {
		if found {
			return
		}
		switch x := x.(type) {
		case *refExpr:
			for _, s := range x.path {
				if s.star {
					found, rng = true, x.rng
				}
			}
		case *callExpr:
			if x.fn == "index" {
				found, rng = true, x.rng
			}
		}
	})
	return found, rng
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case i > 0 && r >= '0' && r <= '9':
		default:
			return false
		}
	}
	return true
}
