package syntax

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
	LitExpr struct {
		Value effects.Value
		rng   hcl.Range
	}
	// RefExpr reads a binding: "$name", then field and index steps.
	RefExpr struct {
		Name string
		Path []PathStep
		rng  hcl.Range
	}
	ListExpr struct {
		Items []Expr
		rng   hcl.Range
	}
	MapExpr struct {
		Keys   []string // sorted
		Values []Expr
		rng    hcl.Range
	}
	CallExpr struct {
		Func string
		Args []Expr
		rng  hcl.Range
	}
	BinaryExpr struct {
		Op          string
		Left, Right Expr
		rng         hcl.Range
	}
	UnaryExpr struct {
		Op  string
		X   Expr
		rng hcl.Range
	}
	CondExpr struct {
		Cond, Then, Else Expr
		rng              hcl.Range
	}
	// HostExpr is host(): the value is asked of the host at run time.
	HostExpr struct{ rng hcl.Range }
)

// PathStep is one step after a binding name: .field, [n] or, before family
// expansion, [*].
type PathStep struct {
	Field string
	Index int
	Star  bool
}

func (e *LitExpr) Range() hcl.Range    { return e.rng }
func (e *RefExpr) Range() hcl.Range    { return e.rng }
func (e *ListExpr) Range() hcl.Range   { return e.rng }
func (e *MapExpr) Range() hcl.Range    { return e.rng }
func (e *CallExpr) Range() hcl.Range   { return e.rng }
func (e *BinaryExpr) Range() hcl.Range { return e.rng }
func (e *UnaryExpr) Range() hcl.Range  { return e.rng }
func (e *CondExpr) Range() hcl.Range   { return e.rng }
func (e *HostExpr) Range() hcl.Range   { return e.rng }

func (*LitExpr) exprNode()    {}
func (*RefExpr) exprNode()    {}
func (*ListExpr) exprNode()   {}
func (*MapExpr) exprNode()    {}
func (*CallExpr) exprNode()   {}
func (*BinaryExpr) exprNode() {}
func (*UnaryExpr) exprNode()  {}
func (*CondExpr) exprNode()   {}
func (*HostExpr) exprNode()   {}

// ExprString is e.String(), or "" for a nil expression.
func ExprString(e Expr) string {
	if e == nil {
		return ""
	}
	return e.String()
}

func (e *LitExpr) String() string { return formatLiteral(e.Value) }

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

func (e *RefExpr) String() string {
	var b strings.Builder
	b.WriteString(`"$`)
	b.WriteString(e.Name)
	for _, s := range e.Path {
		switch {
		case s.Star:
			b.WriteString("[*]")
		case s.Field != "":
			b.WriteString(".")
			b.WriteString(s.Field)
		default:
			b.WriteString("[" + strconv.Itoa(s.Index) + "]")
		}
	}
	b.WriteString(`"`)
	return b.String()
}

func (e *ListExpr) String() string {
	parts := make([]string, len(e.Items))
	for i, it := range e.Items {
		parts[i] = it.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func (e *MapExpr) String() string {
	parts := make([]string, len(e.Keys))
	for i, k := range e.Keys {
		parts[i] = formatKey(k) + " = " + e.Values[i].String()
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (e *CallExpr) String() string {
	parts := make([]string, len(e.Args))
	for i, a := range e.Args {
		parts[i] = a.String()
	}
	return e.Func + "(" + strings.Join(parts, ", ") + ")"
}

func (e *BinaryExpr) String() string {
	return "(" + e.Left.String() + " " + e.Op + " " + e.Right.String() + ")"
}

func (e *UnaryExpr) String() string { return e.Op + e.X.String() }

func (e *CondExpr) String() string {
	return "(" + e.Cond.String() + " ? " + e.Then.String() + " : " + e.Else.String() + ")"
}

func (e *HostExpr) String() string { return "host()" }

// Host returns the expression host() at rng: the value is asked of the
// host at run time. The JSON interchange form writes every payload so.
func Host(rng hcl.Range) Expr { return &HostExpr{rng: rng} }

// IsHost reports whether e is host().
func IsHost(e Expr) bool {
	_, ok := e.(*HostExpr)
	return ok
}

// WalkExpr calls fn on e and every sub-expression, parents first.
func WalkExpr(e Expr, fn func(Expr)) {
	if e == nil {
		return
	}
	fn(e)
	switch x := e.(type) {
	case *ListExpr:
		for _, it := range x.Items {
			WalkExpr(it, fn)
		}
	case *MapExpr:
		for _, v := range x.Values {
			WalkExpr(v, fn)
		}
	case *CallExpr:
		for _, a := range x.Args {
			WalkExpr(a, fn)
		}
	case *BinaryExpr:
		WalkExpr(x.Left, fn)
		WalkExpr(x.Right, fn)
	case *UnaryExpr:
		WalkExpr(x.X, fn)
	case *CondExpr:
		WalkExpr(x.Cond, fn)
		WalkExpr(x.Then, fn)
		WalkExpr(x.Else, fn)
	}
}

// substitute returns e with every [*] and index() replaced by member i of
// a family expansion. Sub-trees without either are shared, not copied.
func substitute(e Expr, i int) Expr {
	switch x := e.(type) {
	case nil:
		return nil
	case *RefExpr:
		star := false
		for _, s := range x.Path {
			star = star || s.Star
		}
		if !star {
			return x
		}
		path := make([]PathStep, len(x.Path))
		for j, s := range x.Path {
			if s.Star {
				s = PathStep{Index: i}
			}
			path[j] = s
		}
		return &RefExpr{Name: x.Name, Path: path, rng: x.rng}
	case *ListExpr:
		items := make([]Expr, len(x.Items))
		for j, it := range x.Items {
			items[j] = substitute(it, i)
		}
		return &ListExpr{Items: items, rng: x.rng}
	case *MapExpr:
		vals := make([]Expr, len(x.Values))
		for j, v := range x.Values {
			vals[j] = substitute(v, i)
		}
		return &MapExpr{Keys: x.Keys, Values: vals, rng: x.rng}
	case *CallExpr:
		if x.Func == "index" {
			return &LitExpr{Value: effects.Int(int64(i)), rng: x.rng}
		}
		args := make([]Expr, len(x.Args))
		for j, a := range x.Args {
			args[j] = substitute(a, i)
		}
		return &CallExpr{Func: x.Func, Args: args, rng: x.rng}
	case *BinaryExpr:
		return &BinaryExpr{Op: x.Op, Left: substitute(x.Left, i), Right: substitute(x.Right, i), rng: x.rng}
	case *UnaryExpr:
		return &UnaryExpr{Op: x.Op, X: substitute(x.X, i), rng: x.rng}
	case *CondExpr:
		return &CondExpr{Cond: substitute(x.Cond, i), Then: substitute(x.Then, i), Else: substitute(x.Else, i), rng: x.rng}
	}
	return e
}

// hasStar reports whether e uses [*] or index(), so needs a family member.
func hasStar(e Expr) (bool, hcl.Range) {
	var found bool
	var rng hcl.Range
	WalkExpr(e, func(x Expr) {
		if found {
			return
		}
		switch x := x.(type) {
		case *RefExpr:
			for _, s := range x.Path {
				if s.Star {
					found, rng = true, x.rng
				}
			}
		case *CallExpr:
			if x.Func == "index" {
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
