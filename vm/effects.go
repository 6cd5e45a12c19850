package vm

import (
	"context"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/syntax"
)

// Effects is the machine's one boundary with the world: everything outside
// the machine — which branch to take, a payload, the result of an effect,
// a guard, the time, randomness — is asked here, synchronously, and
// recorded in the trace. An Effects never sees the machine's state, and the
// machine never touches the OS.
//
// Every method takes the context of the running step first and must honour
// its cancellation. An error fails the step with a typed fault: an
// *effects.Error maps by code (denied -> Denied, timeout -> Timeout,
// unavailable or unknown_op -> Unavailable, invalid_args -> InvalidInput,
// ...), a *Fault passes through. Which role and session asks is in the
// request, and for Invoke in the context (see CallerFrom).
type Effects interface {
	// Decide picks the branch the role takes at a choice with no local
	// decision rule. It returns one of req.Labels.
	Decide(ctx context.Context, req *DecisionRequest) (string, error)
	// Payload supplies a value the protocol leaves to the host: the
	// payload of a send written value = host(), or a set value = host().
	Payload(ctx context.Context, req *PayloadRequest) (effects.Value, error)
	// Invoke runs an effect operation; a host routes it to its registry.
	// It has the signature of effects.Handler.Invoke. Each call gets a
	// call and a context of its own, which the host may keep after it
	// returns: the machine never reuses them.
	Invoke(ctx context.Context, call *effects.Call) (effects.Value, error)
	// Acquire asks for a guard. false (with a nil error) means "not now":
	// the step blocks, changes nothing and is retried later.
	Acquire(ctx context.Context, req *GuardRequest) (bool, error)
	// Release gives a guard back.
	Release(ctx context.Context, req *GuardRequest) error
	// Now returns the time, in milliseconds, as the host's clock has it.
	Now(ctx context.Context, req *ClockRequest) (int64, error)
	// Random returns req.Bytes random bytes.
	Random(ctx context.Context, req *RandomRequest) ([]byte, error)
}

// Caller identifies the step that asks the host for something.
type Caller struct {
	Protocol string
	Session  effects.SessionID
	Role     string
	PC       int
	Step     uint64 // the machine step, the trace ordering key
}

// DecisionRequest asks which branch a role takes.
type DecisionRequest struct {
	Caller
	Peer   string   // the receiver of the decision
	Labels []string // the labels to pick from
}

// PayloadRequest asks for a value the protocol leaves to the host.
type PayloadRequest struct {
	Caller
	Peer  string      // send: the receiver; empty for a set
	Label string      // send: the message label
	Name  string      // set: the binding being set
	Sort  syntax.Sort // the sort the value must have
}

// GuardRequest asks for, or gives back, a guard.
type GuardRequest struct {
	Caller
	Guard string
}

// ClockRequest asks for the time.
type ClockRequest struct {
	Caller
}

// RandomRequest asks for random bytes.
type RandomRequest struct {
	Caller
	Bytes int
}

type callerKey struct{}

// callerContext is a context carrying the Caller of one invoke. It stands
// in for context.WithValue, which would box the Caller into an interface:
// an allocation for the box and one for the context on every invoke. The
// parts of a Caller that stay the same at every step of a coroutine (its
// protocol, session and role) are kept once, in the coroutine's
// callerRole; only the pc and the step are the invoke's own. Value hands
// out the context itself for the caller key: the key is unexported, so
// only CallerFrom asks for it, and it copies the Caller out.
type callerContext struct {
	context.Context
	who  *callerRole
	pc   int
	step uint64
}

// callerRole is what a Caller names of its coroutine.
type callerRole struct {
	protocol string
	session  effects.SessionID
	role     string
}

// Value returns the context for the caller key and asks the parent for
// any other key.
func (c *callerContext) Value(key any) any {
	if _, ok := key.(callerKey); ok {
		return c
	}
	return c.Context.Value(key)
}

func (c *callerContext) caller() Caller {
	return Caller{Protocol: c.who.protocol, Session: c.who.session, Role: c.who.role, PC: c.pc, Step: c.step}
}

// WithCaller returns a context carrying c; the machine passes one to
// Effects.Invoke so a host can tell which role and session call.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return &callerContext{Context: ctx, who: &callerRole{protocol: c.Protocol, session: c.Session, role: c.Role}, pc: c.PC, step: c.Step}
}

// CallerFrom returns the caller the machine put in an Invoke context.
func CallerFrom(ctx context.Context) (Caller, bool) {
	if c, ok := ctx.Value(callerKey{}).(*callerContext); ok {
		return c.caller(), true
	}
	return Caller{}, false
}

// invocation is what one invoke step hands the host: the call, and the
// context that carries its caller. They are allocated together, once per
// call. They cannot be reused from call to call: a host may keep either
// after Invoke returns (a plugin client's sender, a span, an observer).
type invocation struct {
	ctx  callerContext
	call effects.Call
}

// HandlerIdentifier is implemented by hosts that can name the handler
// serving an operation; the name goes into trace entries.
type HandlerIdentifier interface {
	HandlerIdentity(op effects.OpID) string
}
