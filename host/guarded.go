package host

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/guard"
)

// DefaultGuardPolicy is the guard chain's reach: every operation of the
// service families (the ceremony tracker's too: cancelling a ceremony
// rolls a key rotation back), the transport's own (learning a peer from a
// descriptor changes who the agent talks to: it takes a capability), and
// every send.
var DefaultGuardPolicy = guard.Policy{
	Guarded: []string{"session.*", "auth.*", "invitation.*", "recovery.*", "rendezvous.*", "ceremony.*", "transport.*",
		// Changing the agent's settings, or turning privacy mode off (a
		// destination's path may then go direct), takes a capability of its
		// own: a plugin or a protocol of the agent may read them, not set them.
		string(effects.SystemSetConfig), string(effects.SelectionSetPrivacy)},
	Sends: []string{string(effects.NetworkSendEnvelope)},
}

// guardChain runs the guard chain on a router's guarded calls:
// Capability → FlowBudget → JournalCoupling → Leakage, evaluated over a
// snapshot, then its commands in order (charge, fact, leakage), then the
// call — with, for a send, the receipt of its charge attached. A denial
// leaves no trace. On receipt, envelopes must carry a valid receipt from a
// sender whose key the host knows.
//
// The chain's own effects (the journal fact, the clock) go straight to the
// registry's handlers, not back through the router, so they are not
// themselves guarded. Its state — budgets, receipt chains, nonces — is in
// GuardConfig.Store, which the host owns: no operation reaches it, so an
// agent cannot raise its own budget or rewind a chain through storage.*.
type guardChain struct {
	policy    guard.Policy
	authority effects.AuthorityID
	grants    map[effects.AuthorityID][]string
	registry  *effects.Registry
	budgets   *guard.FlowBudgetManager
	receipts  *guard.ReceiptManager
	exec      *guard.Executor
	// defaultLimit is the agent's flow_budget limit, set explicitly on a
	// (context, peer) budget the first time this agent sends there; 0 means
	// none, so sends are exhausted until a budget is set.
	defaultLimit atomic.Uint64
	keys         func(effects.AuthorityID) (ed25519.PublicKey, bool)

	initMu sync.Mutex
	inited map[guard.BudgetKey]bool

	// observers are the router's: the chain's own journal facts, appended
	// beneath the router, are shown to them too (Router.Observe).
	observers *atomic.Pointer[[]Observer]

	// reserved are the contexts whose sends only their holder may make
	// (Router.ReserveContext), read on every send without a lock.
	reserveMu sync.Mutex
	reserved  atomic.Pointer[map[effects.ContextID]*reservation]
}

// GuardConfig configures the guard chain of one agent.
type GuardConfig struct {
	// Policy says which operations are guarded and which are sends.
	// Default: DefaultGuardPolicy.
	Policy *guard.Policy
	// Allow are the agent's capability patterns ("invitation.*", "*").
	Allow []string
	// FlowBudgetLimit is set on each (context, peer) budget the agent first
	// sends to; 0 sets none.
	FlowBudgetLimit uint64
	// Signer signs the agent's receipts. Required.
	Signer guard.Signer
	// PeerKeys finds the public key of a sending authority, to check the
	// receipts of envelopes this agent receives.
	PeerKeys func(effects.AuthorityID) (ed25519.PublicKey, bool)
	// Store keeps the chain's state: flow budgets, receipt chains and
	// nonces. It must be the host's own — a GuardFile in production, a
	// guard.MemStore in testing and simulation — never a plugin, which
	// the agent's own calls could rewrite. Default: a fresh MemStore.
	Store guard.Store
}

func newGuardChain(authority effects.AuthorityID, registry *effects.Registry, cfg GuardConfig) *guardChain {
	policy := DefaultGuardPolicy
	if cfg.Policy != nil {
		policy = *cfg.Policy
	}
	g := &guardChain{policy: policy, authority: authority, registry: registry,
		grants: map[effects.AuthorityID][]string{authority: cfg.Allow},
		keys:   cfg.PeerKeys, inited: map[guard.BudgetKey]bool{}}
	g.defaultLimit.Store(cfg.FlowBudgetLimit)
	store := cfg.Store
	if store == nil {
		store = guard.NewMemStore()
	}
	g.budgets = guard.NewFlowBudgetManager(store)
	g.receipts = guard.NewReceiptManager(store, guard.DefaultRetain)
	g.exec = &guard.Executor{Budgets: g.budgets, Receipts: g.receipts, Signer: cfg.Signer, Journal: g.appendFact}
	if g.keys == nil {
		g.keys = func(effects.AuthorityID) (ed25519.PublicKey, bool) { return nil, false }
	}
	return g
}

// before evaluates the chain for a call and returns the call to dispatch,
// or the denial. A send's commands run here — the charge yields the
// receipt the envelope must carry — and the call returned carries it. For
// any other guarded operation the decision is returned as pending, for the
// Router to commit (its journal fact, its leakage) once the handler has
// succeeded: an operation the handler refuses (a forged invitation, a
// foreign key) leaves no fact, as a denial by the chain leaves none. A
// pending decision without commands (a send's, an unguarded call's)
// commits nothing.
func (g *guardChain) before(ctx context.Context, call *effects.Call) (_ *effects.Call, pending guard.Decision, _ error) {
	send := g.policy.IsSend(call.Op)
	if !send && !g.policy.IsGuarded(call.Op) {
		return call, guard.Decision{}, nil
	}
	req := guard.Request{Op: call.Op, Authority: call.Authority, Context: call.Context, Session: call.Session,
		Time: g.now(ctx), Body: call.Args}
	var env guard.Envelope
	if send {
		var err error
		if env, err = guard.EnvelopeFromValue(call.Arg("envelope")); err != nil {
			return nil, guard.Decision{}, err
		}
		if env.Source != call.Authority {
			return nil, guard.Decision{}, &effects.Error{Code: effects.CodeDenied, Op: call.Op,
				Message: fmt.Sprintf("envelope source %s is not the sending authority %s", env.Source, call.Authority)}
		}
		if err := g.checkReserved(ctx, call.Op, env.Context); err != nil {
			return nil, guard.Decision{}, err
		}
		req.Context, req.Peer, req.PayloadSize = env.Context, env.Destination, len(env.Payload)
		req.Body = effects.Map(map[string]effects.Value{"payload_bytes": effects.Int(int64(len(env.Payload)))})
		if err := g.initBudget(ctx, req.BudgetKey()); err != nil {
			return nil, guard.Decision{}, err
		}
	}
	var budgets map[guard.BudgetKey]guard.FlowBudget
	if send { // only a send reads a budget; other calls need no store read
		var err error
		if budgets, err = g.budgets.Snapshot(ctx, req.BudgetKey()); err != nil {
			return nil, guard.Decision{}, err
		}
	}
	d := guard.Evaluate(guard.Snapshot{Policy: g.policy, Grants: g.grants, Budgets: budgets}, req)
	if !d.Allowed() {
		return nil, guard.Decision{}, d.Err()
	}
	if !send {
		if err := g.journaled(); err != nil {
			return nil, guard.Decision{}, err
		}
		return call, d, nil
	}
	out, err := g.exec.Run(ctx, d)
	if err != nil {
		return nil, guard.Decision{}, err
	}
	if out.Receipt != nil {
		b, err := out.Receipt.MarshalBinary()
		if err != nil {
			return nil, guard.Decision{}, err
		}
		env.Receipt = b
		c := *call
		c.Args = effects.Map(map[string]effects.Value{"envelope": env.Value()})
		call = &c
	}
	return call, guard.Decision{}, nil
}

// commit runs a pending decision's commands (none for a send or an
// unguarded call): the Router calls it once the handler has succeeded.
func (g *guardChain) commit(ctx context.Context, pending guard.Decision) error {
	if len(pending.Commands) == 0 {
		return nil
	}
	_, err := g.exec.Run(ctx, pending)
	return err
}

// after checks what a receive returned: an envelope must carry a valid
// receipt from a sender whose key is known, or it is refused.
func (g *guardChain) after(ctx context.Context, call *effects.Call, v effects.Value) (effects.Value, error) {
	if (call.Op != effects.NetworkReceiveEnvelope && call.Op != effects.NetworkReceiveEnvelopeFrom) || v.IsNull() {
		return v, nil
	}
	env, err := guard.EnvelopeFromValue(v)
	if err != nil {
		return effects.Value{}, &effects.Error{Code: effects.CodeDenied, Op: call.Op, Message: "refused a malformed envelope: " + err.Error()}
	}
	pub, ok := g.keys(env.Source)
	if !ok {
		return effects.Value{}, &effects.Error{Code: effects.CodeDenied, Op: call.Op,
			Message: fmt.Sprintf("refused an envelope from %s: its key is unknown, so its receipt cannot be checked", env.Source)}
	}
	if _, err := guard.RequireReceipt(ctx, env, g.receipts, pub); err != nil {
		return effects.Value{}, &effects.Error{Code: effects.CodeDenied, Op: call.Op, Err: err,
			Message: fmt.Sprintf("refused an envelope from %s: %v", env.Source, err)}
	}
	return v, nil
}

// initBudget sets the agent's configured limit on a budget it has never
// had: explicit configuration, not implicit headroom.
func (g *guardChain) initBudget(ctx context.Context, key guard.BudgetKey) error {
	limit := g.defaultLimit.Load()
	if limit == 0 {
		return nil
	}
	g.initMu.Lock()
	defer g.initMu.Unlock()
	if g.inited[key] {
		return nil
	}
	if _, ok, err := g.budgets.Get(ctx, key); err != nil {
		return err
	} else if !ok {
		if _, err := g.budgets.Set(ctx, key, limit); err != nil {
			return err
		}
	}
	g.inited[key] = true
	return nil
}

// now is the time effect's reading in ms (virtual in simulation), or 0 in a
// deployment without a clock.
func (g *guardChain) now(ctx context.Context) uint64 {
	if !g.registry.Has(effects.ClockPhysicalTime) {
		return 0
	}
	v, err := g.direct(ctx, effects.ClockPhysicalTime, effects.Null())
	if err != nil {
		return 0
	}
	ms, _ := v.Get("ms")
	u, _ := ms.AsUint()
	return u
}

// appendFact is the journal coupling: no journal, no guarded operation.
// The call to journal.append_fact and its one argument are one allocation:
// this runs for every fact of every guarded call.
func (g *guardChain) appendFact(ctx context.Context, fact effects.Value) error {
	e, ok := g.registry.Lookup(effects.JournalAppendFact)
	if !ok {
		return g.journaled()
	}
	c := &factCall{}
	c.args[0] = effects.Field{Key: "fact", Value: fact}
	args, _ := effects.SortedMap(c.args[:]) // one key: always in order
	c.call = effects.Call{Op: effects.JournalAppendFact, Args: args, Authority: g.authority}
	var obs *[]Observer
	var start time.Time
	if g.observers != nil {
		if obs = g.observers.Load(); obs != nil {
			start = time.Now()
		}
	}
	v, err := e.Handler.Invoke(ctx, &c.call)
	if obs != nil {
		elapsed := time.Since(start)
		for _, o := range *obs {
			o(&c.call, v, err, elapsed)
		}
	}
	return err
}

// factCall is a journal.append_fact call with the storage of its
// arguments.
type factCall struct {
	call effects.Call
	args [1]effects.Field
}

// journaled is the journal coupling's precondition, checked before any
// guarded handler runs: no journal, no guarded operation.
func (g *guardChain) journaled() error {
	if !g.registry.Has(effects.JournalAppendFact) {
		return &effects.Error{Code: effects.CodeUnavailable, Op: effects.JournalAppendFact,
			Message: `a guarded operation must be journaled, and no plugin serves journal.append_fact: add plugin "journal" { builtin = "journal" }`}
	}
	return nil
}

// direct calls a handler without the router: for the chain's own effects.
func (g *guardChain) direct(ctx context.Context, op effects.OpID, args effects.Value) (effects.Value, error) {
	e, ok := g.registry.Lookup(op)
	if !ok {
		return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: op}
	}
	return e.Handler.Invoke(ctx, &effects.Call{Op: op, Args: args, Authority: g.authority})
}
