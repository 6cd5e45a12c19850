package vm

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
)

// Program is a compiled protocol: one code listing per role, plus the
// monitor each coroutine is checked against. A Program is immutable and
// can run any number of sessions concurrently.
type Program struct {
	Protocol   *Protocol
	Projection *Projection
	Roles      []*RoleCode // indexed like Protocol.Roles

	edges     []edgeEnds // every directed edge a message can take, in role order
	edgeIndex map[[2]int]int
}

// edgeEnds is a directed edge by role index.
type edgeEnds struct{ from, to int }

// RoleCode is the compiled local type of one role.
type RoleCode struct {
	Role  string
	Code  []Instr
	Slots []string // binding names, one register each
	Depth int      // depth of the local type (step budget)

	start  int             // initial monitor state
	states []monitorState  // the monitor: one state per reachable (node, scope)
	init   []effects.Value // initial registers: null, or a list of nulls per member
}

// monitorState is a normalised position in a local type: never a rec or a
// var, always the next thing the role does.
type monitorState struct {
	node *Local
}

// Compile projects p and compiles every local type. Every branch of every
// choice is compiled; shared continuations are compiled once.
func Compile(p *Protocol) (*Program, hcl.Diagnostics) {
	pr, diags := Project(p)
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
				seen[[2]int{i, in.peer}] = true
			case OpReceive, OpOffer:
				seen[[2]int{in.peer, i}] = true
			}
		}
	}
	keys := slices.SortedFunc(maps.Keys(seen), func(a, b [2]int) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	prog.edgeIndex = make(map[[2]int]int, len(keys))
	for k, e := range keys {
		prog.edges = append(prog.edges, edgeEnds{e[0], e[1]})
		prog.edgeIndex[e] = k
	}
	for i, rc := range prog.Roles {
		for pc := range rc.Code {
			in := &rc.Code[pc]
			switch in.Op {
			case OpSend, OpChoose:
				in.edge = prog.edgeIndex[[2]int{i, in.peer}]
			case OpReceive, OpOffer:
				in.edge = prog.edgeIndex[[2]int{in.peer, i}]
			}
		}
	}
}

// Role returns the code of role, or nil.
func (prog *Program) Role(role string) *RoleCode {
	if i := prog.Protocol.RoleIndex(role); i >= 0 {
		return prog.Roles[i]
	}
	return nil
}

// scope is an interned chain of enclosing recursion points: a var
// resolves to the innermost rec of its name.
type scope struct {
	name   string
	rec    *Local
	parent *scope
}

type stateKey struct {
	node *Local
	sc   *scope
}

type compiler struct {
	proto  *Protocol
	rc     *RoleCode
	scopes map[stateKey]*scope // (rec, parent scope) -> interned scope
	ids    map[stateKey]int
	pcs    map[stateKey]int
	slots  map[string]int
}

func compileRole(p *Protocol, role string, t *Local) *RoleCode {
	c := &compiler{proto: p, rc: &RoleCode{Role: role, Depth: t.Depth()},
		scopes: map[stateKey]*scope{}, ids: map[stateKey]int{}, pcs: map[stateKey]int{}, slots: map[string]int{}}
	c.collectSlots(t)
	start, _ := c.normalize(t, nil)
	c.rc.start = c.id(start)
	c.emit(start)
	return c.rc
}

// normalize unfolds recursion: it returns the next real action from t and
// whether reaching it jumped back through a var (a loop iteration).
func (c *compiler) normalize(t *Local, sc *scope) (stateKey, bool) {
	back := false
	for range 1 << 16 {
		switch t.Kind {
		case LRec:
			key := stateKey{t, sc}
			s, ok := c.scopes[key]
			if !ok {
				s = &scope{name: t.Var, rec: t, parent: sc}
				c.scopes[key] = s
			}
			sc, t = s, t.Body
		case LVar:
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
	id := len(c.rc.states)
	c.ids[k] = id
	c.rc.states = append(c.rc.states, monitorState{node: k.node})
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
	case LEnd:
		in.Op = OpHalt
		c.rc.Code = append(c.rc.Code, in)
		return pc
	case LAction:
		c.action(&in, t.Action)
		next, back := c.normalize(t.Next, k.sc)
		in.Next = c.id(next)
		c.rc.Code = append(c.rc.Code, in)
		c.follow(next, back)
		return pc
	}
	in.Peer, in.peer = t.Partner, c.proto.RoleIndex(t.Partner)
	labels := make([]effects.Value, len(t.Branches))
	for i, b := range t.Branches {
		next, _ := c.normalize(b.Next, k.sc)
		arm := Arm{Label: b.Label, Next: c.id(next), dst: dest{slot: -1, index: -1}}
		if t.Kind == LSend && b.Value != nil {
			if isHost(b.Value) {
				arm.host = true
			} else {
				arm.payload = compileExpr(b.Value, c.slot)
			}
		}
		if t.Kind == LRecv {
			arm.dst = c.dest(b.Bind)
		}
		in.Arms = append(in.Arms, arm)
		labels[i] = effects.String(b.Label.Name)
	}
	in.labels = effects.List(labels...)
	multi := len(t.Branches) > 1
	switch {
	case t.Kind == LSend && (multi || t.Decide != nil):
		in.Op = OpChoose
		in.Decide = t.Decide
		if t.Decide != nil {
			in.decide = compileExpr(t.Decide, c.slot)
		}
	case t.Kind == LSend:
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

func (c *compiler) action(in *Instr, a *Action) {
	in.Action = a
	in.dst = c.dest(a.Result)
	switch a.Kind {
	case ActInvoke:
		in.Op = OpInvoke
		if a.Args != nil {
			in.eval = compileExpr(a.Args, c.slot)
		}
	case ActAcquire:
		in.Op = OpAcquire
	case ActRelease:
		in.Op = OpRelease
	case ActSet:
		in.Op = OpSet
		switch v := a.Value.(type) {
		case *hostExpr:
			in.host = true
		case *refExpr:
			if len(v.path) == 0 {
				in.Op, in.src = OpMove, c.slot(v.name)
				break
			}
			in.eval = compileExpr(v, c.slot)
		default:
			in.eval = compileExpr(v, c.slot)
		}
	case ActNow:
		in.Op = OpNow
	case ActRandom:
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
	c.rc.init = append(c.rc.init, effects.Null())
	return s
}

func (c *compiler) dest(t *Target) dest {
	if t == nil {
		return dest{slot: -1, index: -1}
	}
	return dest{slot: c.slot(t.Name), index: t.Index}
}

// collectSlots gives every binding its register before any expression is
// compiled, and sizes the per-member bindings.
func (c *compiler) collectSlots(t *Local) {
	seen := map[*Local]bool{}
	target := func(tg *Target) {
		if tg == nil {
			return
		}
		s := c.slot(tg.Name)
		if tg.Index >= 0 && c.rc.init[s].IsNull() {
			c.rc.init[s] = effects.List(make([]effects.Value, tg.Len)...)
		}
	}
	var walk func(*Local)
	walk = func(t *Local) {
		if seen[t] {
			return
		}
		seen[t] = true
		switch t.Kind {
		case LSend, LRecv:
			for _, b := range t.Branches {
				target(b.Bind)
				walk(b.Next)
			}
		case LAction:
			target(t.Action.Result)
			walk(t.Next)
		case LRec:
			walk(t.Body)
		}
	}
	walk(t)
}
