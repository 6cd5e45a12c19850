package host

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/host/tracing"
)

// Router is the one path every call takes: authority scoping, then the
// guard chain (for an agent's guarded operations and sends), then the
// registry's handler — a plugin over its stream, or an in-process handler.
// The VM, agent facades, plugins calling back and `aura-host invoke` all
// call Router.Invoke.
type Router struct {
	registry  *effects.Registry
	authority effects.AuthorityID
	guard     *guardChain // nil: no guarded operations (no agent runtime)
	sessions  *SessionGuards

	observeMu sync.Mutex                 // serialises Observe
	observers atomic.Pointer[[]Observer] // read on every call without a lock

	spans *tracing.Calls // nil: tracing off (set by Trace before any call)
}

// Observer sees a call the router routed once its handler (and the guard
// chain around it) answered: the call as the handler saw it, its result or
// error, and how long routing took. Host-owned services watch the runtime
// through observers — the reactive pipeline the journal's commits, the
// local health observer the sends' round trips. An observer runs on the
// caller's goroutine: it must be quick and must not block.
type Observer func(call *effects.Call, result effects.Value, err error, elapsed time.Duration)

// Observe adds an observer of every call routed from now on, and of the
// guard chain's own journal.append_fact calls (the journal coupling's
// facts, which it makes beneath the router).
func (r *Router) Observe(o Observer) {
	r.observeMu.Lock()
	defer r.observeMu.Unlock()
	var next []Observer
	if cur := r.observers.Load(); cur != nil {
		next = append(next, *cur...)
	}
	next = append(next, o)
	r.observers.Store(&next)
}

// NewRouter returns a router over registry that serves one authority.
func NewRouter(registry *effects.Registry, authority effects.AuthorityID) *Router {
	return &Router{registry: registry, authority: authority, sessions: newSessionGuards()}
}

// Invoke routes one call. Scope the call leaves unset comes from the
// effects.EffectContext ctx carries; a call still without an authority
// acts for the router's; a call naming another authority is refused (denied, "context
// authority mismatch") before any handler sees it. Arguments are checked
// against the operation's schema here (kinds, and nesting up to
// effects.MaxDepth), so a bad call never crosses a process boundary; the
// handler's answer is held to the operation's declared result kind on the
// way back (see handle). A receive takes only the caller's own mail: one whose
// destination names another endpoint is refused (denied) here, whatever
// network plugin serves it.
func (r *Router) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	if r.spans != nil {
		return r.invokeTraced(ctx, call)
	}
	return r.invoke(ctx, call)
}

// invokeTraced is Invoke inside the call's span, which ctx then carries
// to the handler (and the SDK to the plugin, as the call's trace context).
func (r *Router) invokeTraced(ctx context.Context, call *effects.Call) (effects.Value, error) {
	call = effects.Scope(ctx, call)
	var plugin string
	if e, ok := r.registry.Lookup(call.Op); ok {
		plugin = e.Provider
	}
	authority := call.Authority
	if authority.IsZero() {
		authority = r.authority
	}
	ctx, span := r.spans.Start(ctx, call, plugin, authority)
	v, err := r.invoke(ctx, call)
	tracing.End(span, err)
	return v, err
}

func (r *Router) invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	obs := r.observers.Load()
	if obs == nil {
		return r.route(ctx, call)
	}
	start := time.Now()
	call = effects.Scope(ctx, call)
	v, err := r.route(ctx, call)
	elapsed := time.Since(start)
	for _, o := range *obs {
		o(call, v, err, elapsed)
	}
	return v, err
}

func (r *Router) route(ctx context.Context, call *effects.Call) (effects.Value, error) {
	call = effects.Scope(ctx, call)
	if call.Authority.IsZero() {
		c := *call
		c.Authority = r.authority
		call = &c
	} else if call.Authority != r.authority {
		return effects.Value{}, &effects.Error{Code: effects.CodeDenied, Op: call.Op,
			Message: fmt.Sprintf("context authority mismatch: this runtime acts for %s, the call names %s", r.authority, call.Authority)}
	}
	entry, ok := r.registry.Lookup(call.Op)
	if !ok {
		return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: call.Op,
			Message: "no plugin in this deployment serves this operation (see `aura-host plugins FILE`)"}
	}
	if err := entry.Spec.CheckArgs(call.Args); err != nil {
		return effects.Value{}, err
	}
	if err := checkReceive(call); err != nil {
		return effects.Value{}, err
	}
	if r.guard == nil {
		return handle(ctx, entry, call)
	}
	call, pending, err := r.guard.before(ctx, call)
	if err != nil {
		return effects.Value{}, err
	}
	v, err := handle(ctx, entry, call)
	if err != nil {
		return v, err
	}
	if err := r.guard.commit(ctx, pending); err != nil {
		return effects.Value{}, err
	}
	return r.guard.after(ctx, call, v)
}

// handle runs the call on the operation's handler and holds the answer to
// the operation's declaration: a result of another kind than the declared
// one (or nested deeper than effects.MaxDepth) is the handler's bug, so it
// becomes an internal error naming the plugin and the operation instead of
// reaching a caller that trusts the declaration (facades, the VM, the CLI's
// printing). Every routed call, over a plugin's stream or in process,
// passes here.
func handle(ctx context.Context, entry *effects.Entry, call *effects.Call) (effects.Value, error) {
	v, err := entry.Handler.Invoke(ctx, call)
	if err != nil {
		return v, err
	}
	if err := entry.Spec.CheckResult(v); err != nil {
		e := effects.AsError(err)
		e.Plugin = entry.Provider
		return effects.Value{}, e
	}
	return v, nil
}

// Trace makes a span of every call this router routes from now on, with
// tp's tracer (see host/tracing): a child of the span the caller's ctx
// carries. Call it before the router routes anything, as host.New does
// for Config.TracerProvider; a nil tp leaves tracing off.
func (r *Router) Trace(tp trace.TracerProvider) {
	if tp != nil {
		r.spans = tracing.NewCalls(tp)
	}
}

// Guard installs the guard chain on every call this router routes from now
// on; the host does it for agents before it starts.
func (r *Router) Guard(cfg GuardConfig) {
	r.guard = newGuardChain(r.authority, r.registry, cfg)
	r.guard.observers = &r.observers
}

// Authority is the authority this router acts for.
func (r *Router) Authority() effects.AuthorityID { return r.authority }

// Registry is the registry the router dispatches through.
func (r *Router) Registry() *effects.Registry { return r.registry }

// FlowBudgets is the guard chain's flow-budget manager, or nil before
// Guard is called.
func (r *Router) FlowBudgets() *guard.FlowBudgetManager {
	if r.guard == nil {
		return nil
	}
	return r.guard.budgets
}

// SessionGuards records the VM guards the sessions run over this router
// hold and wait for (VMEffects records each acquire and release).
func (r *Router) SessionGuards() *SessionGuards { return r.sessions }

// FlowBudgetLimit is the limit the guard chain sets on a (context, peer)
// budget the agent first sends on (0: none, or no guard chain).
func (r *Router) FlowBudgetLimit() uint64 {
	if r.guard == nil {
		return 0
	}
	return r.guard.defaultLimit.Load()
}

// SetFlowBudgetLimit changes that limit for the budgets the agent has not
// sent on yet; budgets already set keep theirs (an epoch rotation does
// not change a limit either). It reports false when the router has no
// guard chain.
func (r *Router) SetFlowBudgetLimit(limit uint64) bool {
	if r.guard == nil {
		return false
	}
	r.guard.defaultLimit.Store(limit)
	return true
}

// Receipts is the guard chain's receipt manager, or nil before Guard is
// called.
func (r *Router) Receipts() *guard.ReceiptManager {
	if r.guard == nil {
		return nil
	}
	return r.guard.receipts
}

// checkReceive binds a receive to the caller: its destination, when given,
// must be the calling authority's own address — its 16 bytes, or their hex
// (how a transport names a bytes destination). Every network plugin
// defaults an absent destination to the caller, so the check costs a
// caller nothing and denies it everyone else's mail.
func checkReceive(call *effects.Call) error {
	if call.Op != effects.NetworkReceiveEnvelope && call.Op != effects.NetworkReceiveEnvelopeFrom {
		return nil
	}
	dst := call.Arg("destination")
	if dst.IsNull() {
		return nil
	}
	if b, ok := dst.AsBytes(); ok && bytes.Equal(b, call.Authority[:]) {
		return nil
	}
	if s, ok := dst.AsString(); ok && (s == hex.EncodeToString(call.Authority[:]) || s == call.Authority.String()) {
		return nil
	}
	return &effects.Error{Code: effects.CodeDenied, Op: call.Op, Err: ErrNotYourMail,
		Message: fmt.Sprintf("a receive takes only the caller's own mail: destination %v is not %s", dst, call.Authority)}
}
