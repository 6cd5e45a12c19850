package compile

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/project"
	"github.com/aurahost/aura-host/vm/syntax"
)

// Program is a compiled protocol: one code listing per role, plus the
// monitor each coroutine is checked against. A Program is immutable and
// can run any number of sessions concurrently.
type Program struct {
	Protocol   *syntax.Protocol
	Projection *project.Projection
	Roles      []*RoleCode // indexed like Protocol.Roles

	Edges     []EdgeEnds // every directed edge a message can take, in role order
	EdgeIndex map[[2]int]int
}

// EdgeEnds is a directed edge by role index.
type EdgeEnds struct{ From, To int }

// RoleCode is the compiled local type of one role.
type RoleCode struct {
	Role  string
	Code  []Instr
	Slots []string // binding names, one register each
	Depth int      // depth of the local type (step budget)

	Start  int             // initial monitor state
	States []MonitorState  // the monitor: one state per reachable (node, scope)
	Init   []effects.Value // initial registers: null, or a list of nulls per member
}

// MonitorState is a normalised position in a local type: never a rec or a
// var, always the next thing the role does.
type MonitorState struct {
	Node *project.Local
}

// Compile projects p and compiles every local type. Every branch of every
// choice is compiled; shared continuations are compiled once.
func Compile(p *syntax.Protocol) (*Program, hcl.Diagnostics) {
	pr, diags := project.Project(p)
	if diags.HasErrors() {
		return nil, diags
	}
	prog := &Program{Protocol: p, Projection: pr}
	for i, role := range p.Roles {
		prog.Roles = append(prog.Roles, compileRole(p, role, pr.Locals[i]))
	}
	prog.numberEdges()
	return prog, diags
}

// numberEdges gives every directed edge an index, so a machine keeps its
// buffers and counters in slices as long as the edges, not the square of
// the roles, and tags each communication instruction with its edge.
func (prog *Program) numberEdges() {
	seen := map[[2]int]bool{}
	for i, rc := range prog.Roles {
		for _, in := range rc.Code {
			switch in.Op {
			case OpSend, OpChoose:
				seen[[2]int{i, in.PeerIndex}] = true
			case OpReceive, OpOffer:
				seen[[2]int{in.PeerIndex, i}] = true
			}
		}
	}
	keys := slices.SortedFunc(maps.Keys(seen), func(a, b [2]int) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	prog.EdgeIndex = make(map[[2]int]int, len(keys))
	for k, e := range keys {
		prog.Edges = append(prog.Edges, EdgeEnds{e[0], e[1]})
		prog.EdgeIndex[e] = k
	}
	for i, rc := range prog.Roles {
		for pc := range rc.Code {
			in := &rc.Code[pc]
			switch in.Op {
			case OpSend, OpChoose:
				in.Edge = prog.EdgeIndex[[2]int{i, in.PeerIndex}]
			case OpReceive, OpOffer:
				in.Edge = prog.EdgeIndex[[2]int{in.PeerIndex, i}]
			}
		}
	}
}

// scope is an interned chain of enclosing recursion points: a var
// resolves to the innermost rec of its name.
type scope struct {
	name   string
	rec    *project.Local
	parent *scope
}

type stateKey struct {
	node *project.Local
	sc   *scope
}

type compiler struct {
	proto  *syntax.Protocol
	rc     *RoleCode
	scopes map[stateKey]*scope // (rec, parent scope) -> interned scope
	ids    map[stateKey]int
	pcs    map[stateKey]int
	slots  map[string]int
}

func compileRole(p *syntax.Protocol, role string, t *project.Local) *RoleCode {
	c := &compiler{proto: p, rc: &RoleCode{Role: role, Depth: t.Depth()},
		scopes: map[stateKey]*scope{}, ids: map[stateKey]int{}, pcs: map[stateKey]int{}, slots: map[string]int{}}
	c.collectSlots(t)
	start, _ := c.normalize(t, nil)
	c.rc.Start = c.id(start)
	c.emit(start)
	return c.rc
}

// normalize unfolds recursion: it returns the next real action from t and
// whether reaching it jumped back through a var (a loop iteration).
func (c *compiler) normalize(t *project.Local, sc *scope) (stateKey, bool) {
	back := false
	for range 1 << 16 {
		switch t.Kind {
		case project.LRec:
			key := stateKey{t, sc}
			s, ok := c.scopes[key]
			if !ok {
				s = &scope{name: t.Var, rec: t, parent: sc}
				c.scopes[key] = s
			}
			sc, t = s, t.Body
		case project.LVar:
			f := sc
			for f != nil && f.name != t.Var {
				f = f.parent
			}
			if f == nil {
				panic(fmt.Sprintf("vm: unbound var %q survived checking", t.Var))
			}
			sc, t, back = f, f.rec.Body, true
		default:
			return stateKey{t, sc}, back
		}
	}
	panic("vm: unguarded recursion survived checking")
}

func (c *compiler) id(k stateKey) int {
	if id, ok := c.ids[k]; ok {
		return id
	}
	id := len(c.rc.States)
	c.ids[k] = id
	c.rc.States = append(c.rc.States, MonitorState{Node: k.node})
	return id
}

// emit lays out the code of state k (and, depth first, what follows it)
// and returns its pc.
func (c *compiler) emit(k stateKey) int {
	if pc, ok := c.pcs[k]; ok {
		return pc
	}
	pc := len(c.rc.Code)
	c.pcs[k] = pc
	t := k.node
	in := Instr{State: c.id(k), Next: -1, Range: t.Range, Target: -1}
	switch t.Kind {
	case project.LEnd:
		in.Op = OpHalt
		c.rc.Code = append(c.rc.Code, in)
		return pc
	case project.LAction:
		c.action(&in, t.Action)
		next, back := c.normalize(t.Next, k.sc)
		in.Next = c.id(next)
		c.rc.Code = append(c.rc.Code, in)
		c.follow(next, back)
		return pc
	}
	in.Peer, in.PeerIndex = t.Partner, c.proto.RoleIndex(t.Partner)
	labels := make([]effects.Value, len(t.Branches))
	for i, b := range t.Branches {
		next, _ := c.normalize(b.Next, k.sc)
		arm := Arm{Label: b.Label, Next: c.id(next), Dst: Dest{Slot: -1, Index: -1}}
		if t.Kind == project.LSend && b.Value != nil {
			if syntax.IsHost(b.Value) {
				arm.AskHost = true
			} else {
				arm.Payload = compileExpr(b.Value, c.slot)
			}
		}
		if t.Kind == project.LRecv {
			arm.Dst = c.dest(b.Bind)
		}
		in.Arms = append(in.Arms, arm)
		labels[i] = effects.String(b.Label.Name)
	}
	in.Labels = effects.List(labels...)
	multi := len(t.Branches) > 1
	switch {
	case t.Kind == project.LSend && (multi || t.Decide != nil):
		in.Op = OpChoose
		in.Decide = t.Decide
		if t.Decide != nil {
			in.DecideFn = compileExpr(t.Decide, c.slot)
		}
	case t.Kind == project.LSend:
		in.Op = OpSend
	case multi:
		in.Op = OpOffer
	default:
		in.Op = OpReceive
	}
	if !multi && in.Op != OpChoose {
		next, back := c.normalize(t.Branches[0].Next, k.sc)
		in.Next = in.Arms[0].Next
		in.Arms[0].Target = pc + 1
		c.rc.Code = append(c.rc.Code, in)
		c.follow(next, back)
		return pc
	}
	c.rc.Code = append(c.rc.Code, in)
	for i, b := range t.Branches {
		next, back := c.normalize(b.Next, k.sc)
		target, emitted := c.pcs[next]
		if !emitted || back {
			target = len(c.rc.Code)
			c.follow(next, back)
		}
		c.rc.Code[pc].Arms[i].Target = target
	}
	return pc
}

// follow continues the layout after an instruction with one successor:
// fall through into code not yet laid out, or jump to code that is; a
// loop's back edge yields first.
func (c *compiler) follow(next stateKey, back bool) {
	if back {
		c.rc.Code = append(c.rc.Code, Instr{Op: OpYield, State: -1, Next: -1, Target: -1, Range: next.node.Range})
	}
	if pc, ok := c.pcs[next]; ok {
		c.rc.Code = append(c.rc.Code, Instr{Op: OpJump, Target: pc, State: -1, Next: -1, Range: next.node.Range})
		return
	}
	c.emit(next)
}

func (c *compiler) action(in *Instr, a *syntax.Action) {
	in.Action = a
	in.Dst = c.dest(a.Result)
	switch a.Kind {
	case syntax.ActInvoke:
		in.Op = OpInvoke
		if a.Args != nil {
			in.Eval = compileExpr(a.Args, c.slot)
		}
	case syntax.ActAcquire:
		in.Op = OpAcquire
	case syntax.ActRelease:
		in.Op = OpRelease
	case syntax.ActSet:
		in.Op = OpSet
		switch v := a.Value.(type) {
		case *syntax.HostExpr:
			in.AskHost = true
		case *syntax.RefExpr:
			if len(v.Path) == 0 {
				in.Op, in.Src = OpMove, c.slot(v.Name)
				break
			}
			in.Eval = compileExpr(v, c.slot)
		default:
			in.Eval = compileExpr(v, c.slot)
		}
	case syntax.ActNow:
		in.Op = OpNow
	case syntax.ActRandom:
		in.Op = OpRandom
	}
}

func (c *compiler) slot(name string) int {
	if s, ok := c.slots[name]; ok {
		return s
	}
	s := len(c.rc.Slots)
	c.slots[name] = s
	c.rc.Slots = append(c.rc.Slots, name)
	c.rc.Init = append(c.rc.Init, effects.Null())
	return s
}

func (c *compiler) dest(t *syntax.Target) Dest {
	if t == nil {
		return Dest{Slot: -1, Index: -1}
	}
	return Dest{Slot: c.slot(t.Name), Index: t.Index}
}

// collectSlots gives every binding its register before any expression is
// compiled, and sizes the per-member bindings.
func (c *compiler) collectSlots(t *project.Local) {
	seen := map[*project.Local]bool{}
	target := func(tg *syntax.Target) {
		if tg == nil {
			return
		}
		s := c.slot(tg.Name)
		if tg.Index >= 0 && c.rc.Init[s].IsNull() {
			c.rc.Init[s] = effects.List(make([]effects.Value, tg.Len)...)
		}
	}
	var walk func(*project.Local)
	walk = func(t *project.Local) {
		if seen[t] {
			return
		}
		seen[t] = true
		switch t.Kind {
		case project.LSend, project.LRecv:
			for _, b := range t.Branches {
				target(b.Bind)
				walk(b.Next)
			}
		case project.LAction:
			target(t.Action.Result)
			walk(t.Next)
		case project.LRec:
			walk(t.Body)
		}
	}
	walk(t)
}
