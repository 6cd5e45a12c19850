package syntax

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/policy"
)

// Protocol is a checked global choreography: its roles (family members
// expanded in index order) and its global type. Parse and ParseJSON build
// one; Project and Compile consume it. A Protocol is immutable once built
// and safe to share between goroutines.
type Protocol struct {
	Name     string
	Roles    []string // concrete roles: "Account", "Guardian[0]", "Guardian[1]", ...
	Families []Family // role families as declared, e.g. Guardian with Count 3
	Global   *Global

	// Scheduler is the policy the protocol asks for; empty selects by the
	// AURA-SPEC §8 rule (see SelectScheduler).
	Scheduler policy.Scheduler
	// Policy names the execution policy of the protocol's class
	// ("aura.vm.recovery_grant.prod"); empty for none.
	Policy string
	// StepMultiplier scales the step budget (see Budget); 0 for the default.
	StepMultiplier int
	// Capacity is the per-edge buffer capacity; 0 for the default.
	Capacity int

	Range hcl.Range // the protocol block's header, or the JSON document

	// Filename and Source are the file the protocol was parsed from; a
	// trace carries them so it can be replayed on its own.
	Filename string
	Source   []byte
}

// Family is a role family: Count members named Name[0] … Name[Count-1].
type Family struct {
	Name  string
	Count int
}

// RoleIndex returns the position of role in Roles, or -1.
func (p *Protocol) RoleIndex(role string) int {
	for i, r := range p.Roles {
		if r == role {
			return i
		}
	}
	return -1
}

// GlobalKind tags a node of a global type.
type GlobalKind uint8

// The kinds of global type node.
const (
	// GEnd: the protocol is over for everyone.
	GEnd GlobalKind = iota
	// GComm: From sends To one of the labelled branches (a choice when
	// there is more than one).
	GComm
	// GAction: a role-local action of Role, then Next.
	GAction
	// GRec: a recursion point named Var with body Body.
	GRec
	// GVar: continue at the enclosing recursion point named Var.
	GVar
)

// Global is a node of a global type. Continuations after a choice or a
// loop are shared between the paths that reach them, so a Global is a
// directed acyclic graph, not a tree: walk it with memoisation.
type Global struct {
	Kind GlobalKind

	// GComm
	From, To string
	Branches []*GBranch
	Decide   Expr // optional: the decider's local rule for picking a branch

	// GAction
	Role   string
	Action *Action
	Next   *Global

	// GRec, GVar
	Var  string
	Body *Global

	Range hcl.Range
}

// GBranch is one labelled message of a communication.
type GBranch struct {
	Label Label
	Value Expr    // the payload; nil for none (unit)
	Bind  *Target // where the receiver keeps the payload; nil to drop it
	Next  *Global
	Range hcl.Range
}

// Label names a message and the sort of its payload.
type Label struct {
	Name string
	Sort Sort
}

// String renders the label as Name(sort).
func (l Label) String() string { return l.Name + "(" + string(l.Sort) + ")" }

// Sort is the declared kind of a message payload: "unit" (no payload),
// "any", or a Value kind name ("bytes", "uint", ...). Sorts of other MPST
// tools ("nat") are kept as written; unknown sorts accept any value.
type Sort string

// The sorts the language knows.
const (
	SortUnit Sort = "unit"
	SortAny  Sort = "any"
)

var knownSorts = map[Sort]effects.Kind{
	"bool": effects.KindBool, "int": effects.KindInt, "uint": effects.KindUint,
	"nat": effects.KindUint, "string": effects.KindString, "bytes": effects.KindBytes,
	"list": effects.KindList, "map": effects.KindMap,
}

// Accepts reports whether a payload fits the sort.
func (s Sort) Accepts(v effects.Value) bool {
	switch s {
	case SortUnit:
		return v.IsNull()
	case SortAny, "":
		return true
	}
	k, ok := knownSorts[s]
	if !ok {
		return true
	}
	return v.Kind() == k
}

func validSort(s Sort) bool {
	_, ok := knownSorts[s]
	return ok || s == SortUnit || s == SortAny
}

// ActionKind tags a role-local action.
type ActionKind uint8

// The role-local actions.
const (
	// ActInvoke asks the host to run an effect operation.
	ActInvoke ActionKind = iota + 1
	// ActAcquire asks the host for a guard; a refusal blocks the step.
	ActAcquire
	// ActRelease gives a guard back.
	ActRelease
	// ActSet binds the value of an expression.
	ActSet
	// ActNow asks the host for the time (milliseconds).
	ActNow
	// ActRandom asks the host for random bytes.
	ActRandom
)

var actionNames = [...]string{ActInvoke: "invoke", ActAcquire: "acquire", ActRelease: "release", ActSet: "set", ActNow: "now", ActRandom: "random"}

// String returns the step name of the action ("invoke").
func (k ActionKind) String() string {
	if int(k) < len(actionNames) && actionNames[k] != "" {
		return actionNames[k]
	}
	return fmt.Sprintf("ActionKind(%d)", uint8(k))
}

// Action is a role-local step: it involves no other role and stays in the
// acting role's projection only.
type Action struct {
	Kind   ActionKind
	Op     effects.OpID // ActInvoke
	Args   Expr         // ActInvoke: a map expression, or nil for no arguments
	Guard  string       // ActAcquire, ActRelease
	Value  Expr         // ActSet
	Sort   Sort         // ActSet: the sort the value must have ("" for any)
	Bytes  int          // ActRandom
	Result *Target      // where the outcome is bound; nil to drop it
	Range  hcl.Range
}

// Equal reports whether two actions do the same thing (ranges aside).
func (a *Action) Equal(b *Action) bool {
	return a.Kind == b.Kind && a.Op == b.Op && a.Sort == b.Sort && ExprString(a.Args) == ExprString(b.Args) &&
		a.Guard == b.Guard && ExprString(a.Value) == ExprString(b.Value) && a.Bytes == b.Bytes &&
		a.Result.String() == b.Result.String()
}

// Target is where a step binds a value: a binding name, or one member's
// element of a per-member binding (a list with one element per family
// member, written name[*] in a family step).
type Target struct {
	Name  string
	Index int // element index, or -1 for the whole binding
	Len   int // length of the per-member list when Index >= 0
	Range hcl.Range

	star bool // written name[*], before family expansion
}

// String renders the target as written: name, name[i] or name[*].
func (t *Target) String() string {
	switch {
	case t == nil:
		return ""
	case t.star:
		return t.Name + "[*]"
	case t.Index >= 0:
		return fmt.Sprintf("%s[%d]", t.Name, t.Index)
	}
	return t.Name
}
