package project

import (
	"fmt"
	"strings"

	"github.com/aurahost/aura-host/vm/syntax"
)

// Text renders a role's local type for people. Sends and receives read
// "send Peer Label(sort) = payload" and "recv Peer Label(sort) -> $binding";
// a choice opens a block with one arm per label. A continuation shared by
// several paths (after a choice) is printed once, as a block "@n:" that
// the paths reach with "goto @n".
func (pr *Projection) Text(role string) string {
	t := pr.Local(role)
	if t == nil {
		return ""
	}
	r := &renderer{shared: sharedNodes(t), names: map[*Local]int{}}
	fmt.Fprintf(&r.b, "role %s of %s\n", role, pr.Protocol.Name)
	r.seq(t, 1, true)
	for i := 0; i < len(r.queue); i++ {
		fmt.Fprintf(&r.b, "@%d:\n", i+1)
		r.seq(r.queue[i], 1, true)
	}
	return r.b.String()
}

type renderer struct {
	b      strings.Builder
	shared map[*Local]bool
	names  map[*Local]int
	queue  []*Local
}

// sharedNodes finds the nodes reached from more than one parent.
func sharedNodes(t *Local) map[*Local]bool {
	parents := map[*Local]int{}
	seen := map[*Local]bool{}
	var walk func(*Local)
	visit := func(c *Local) {
		parents[c]++
		walk(c)
	}
	walk = func(t *Local) {
		if seen[t] {
			return
		}
		seen[t] = true
		switch t.Kind {
		case LSend, LRecv:
			for _, b := range t.Branches {
				visit(b.Next)
			}
		case LAction:
			visit(t.Next)
		case LRec:
			visit(t.Body)
		}
	}
	walk(t)
	out := map[*Local]bool{}
	for n, c := range parents {
		if c > 1 && n.Kind != LEnd && n.Kind != LVar {
			out[n] = true
		}
	}
	return out
}

func (r *renderer) line(depth int, format string, args ...any) {
	r.b.WriteString(strings.Repeat("  ", depth))
	fmt.Fprintf(&r.b, format, args...)
	r.b.WriteByte('\n')
}

// seq prints t and what follows it at one indentation depth. A block of
// its own (the start, or a shared block) prints its first node inline.
func (r *renderer) seq(t *Local, depth int, block bool) {
	first := block
	for {
		if !first && r.shared[t] {
			n, ok := r.names[t]
			if !ok {
				r.queue = append(r.queue, t)
				n = len(r.queue)
				r.names[t] = n
			}
			r.line(depth, "goto @%d", n)
			return
		}
		first = false
		switch t.Kind {
		case LEnd:
			r.line(depth, "end")
			return
		case LVar:
			r.line(depth, "continue %s", t.Var)
			return
		case LRec:
			r.line(depth, "rec %s:", t.Var)
			depth++
			t = t.Body
		case LAction:
			r.line(depth, "%s", formatAction(t.Action))
			t = t.Next
		case LSend, LRecv:
			if len(t.Branches) == 1 && t.Decide == nil {
				r.line(depth, "%s %s %s", t.Kind, t.Partner, r.arm(t, t.Branches[0]))
				t = t.Branches[0].Next
				continue
			}
			head := "choose"
			if t.Kind == LRecv {
				head = "offer"
			}
			if t.Decide != nil {
				r.line(depth, "%s %s decide %s {", head, t.Partner, t.Decide)
			} else {
				r.line(depth, "%s %s {", head, t.Partner)
			}
			for _, b := range t.Branches {
				r.line(depth+1, "%s:", r.arm(t, b))
				r.seq(b.Next, depth+2, false)
			}
			r.line(depth, "}")
			return
		}
	}
}

func (r *renderer) arm(t *Local, b *LBranch) string {
	s := b.Label.String()
	if t.Kind == LSend && b.Value != nil {
		s += " = " + b.Value.String()
	}
	if t.Kind == LRecv && b.Bind != nil {
		s += " -> $" + b.Bind.String()
	}
	return s
}

func formatAction(a *syntax.Action) string {
	res := ""
	if a.Result != nil {
		res = " -> $" + a.Result.String()
	}
	switch a.Kind {
	case syntax.ActInvoke:
		args := "{}"
		if a.Args != nil {
			args = a.Args.String()
		}
		return fmt.Sprintf("invoke %s %s%s", a.Op, args, res)
	case syntax.ActAcquire, syntax.ActRelease:
		return fmt.Sprintf("%s %s", a.Kind, a.Guard)
	case syntax.ActSet:
		if a.Sort != "" {
			return fmt.Sprintf("set $%s = %s (%s)", a.Result, a.Value, a.Sort)
		}
		return fmt.Sprintf("set $%s = %s", a.Result, a.Value)
	case syntax.ActNow:
		return "now" + res
	case syntax.ActRandom:
		return fmt.Sprintf("random %d%s", a.Bytes, res)
	}
	return a.Kind.String()
}

// TextOf renders the local types of roles (every role of the protocol
// when none is named), in order, separated by blank lines.
func (pr *Projection) TextOf(roles ...string) string {
	if len(roles) == 0 {
		roles = pr.Protocol.Roles
	}
	var b strings.Builder
	for i, r := range roles {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(pr.Text(r))
	}
	return b.String()
}
