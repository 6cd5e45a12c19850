package facade

import (
	"context"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// Invoker answers effect calls: the host's Router, an effects.Registry, a
// plugin client or any other effects.Handler. The facades only ever call
// Invoke, so they work the same over all of them.
type Invoker = effects.Handler

// Scope is what every call a facade makes is scoped to: the authority it
// acts for and, when there is one, the relational context and session. The
// zero Scope leaves all three unset, for the invoker to fill in (a plugin's
// host connection, for example, is already bound to one authority).
type Scope struct {
	Authority effects.AuthorityID // the authority the calls act for
	Context   effects.ContextID   // the relational context, if any
	Session   effects.SessionID   // the protocol or coordination session, if any
}

// Clients bundles one client per effect family and service, all calling
// through the same Invoker with the same Scope. Its fields are never nil
// for a Clients made by New or NewScoped.
type Clients struct {
	Crypto      *Crypto      // crypto.*: hashing, Ed25519, HKDF, AEAD, FROST
	Storage     *Storage     // storage.*: a key/value store
	Clock       *Clock       // clock.*: physical and logical time
	Random      *Random      // random.*: random bytes and numbers
	Console     *Console     // console.*: structured logging
	Journal     *Journal     // journal.*: facts, indexes, Merkle proofs, flow budgets
	Network     *Network     // network.*: envelopes between endpoints
	Sessions    *Sessions    // session.*: the session service
	Auth        *Auth        // auth.*: the auth service
	Invitations *Invitations // invitation.*: the invitation service
	Recovery    *Recovery    // recovery.*: the guardian recovery service
	Rendezvous  *Rendezvous  // rendezvous.*: the rendezvous service
	Device      *Device      // device.*: the agent's device key (served by the agent runtime)
	Social      *Social      // social.*: the social topology (host-owned service)
	Ceremonies  *Ceremonies  // ceremony.*: the guardian ceremony tracker
	Selection   *Selection   // selection.*: path selection (host-owned service)
	Cover       *Cover       // cover.*: the cover-traffic service (hosted by the agent runtime)
	Holds       *Holds       // hold.*: the hold service (hosted by the agent runtime)
	Reactive    *Reactive    // reactive.*: signals of the reactive pipeline (a service the agent hosts)

	scope Scope
	inv   Invoker
}

// New returns the clients of every family over inv, with an unset Scope.
// It panics if inv is nil: that is a programmer error, not a runtime one.
func New(inv Invoker) *Clients { return NewScoped(inv, Scope{}) }

// NewScoped returns the clients of every family over inv, each call scoped
// to scope.
func NewScoped(inv Invoker, scope Scope) *Clients {
	if inv == nil {
		panic("facade: New with a nil Invoker")
	}
	c := caller{inv: inv, scope: scope}
	return &Clients{
		Crypto:      &Crypto{c},
		Storage:     &Storage{c},
		Clock:       &Clock{c},
		Random:      &Random{c},
		Console:     &Console{c},
		Journal:     &Journal{c},
		Network:     &Network{c},
		Sessions:    &Sessions{c},
		Auth:        &Auth{c},
		Invitations: &Invitations{c},
		Recovery:    &Recovery{c},
		Rendezvous:  &Rendezvous{c},
		Device:      &Device{c},
		Social:      &Social{c},
		Ceremonies:  &Ceremonies{c},
		Selection:   &Selection{c},
		Cover:       &Cover{c},
		Holds:       &Holds{c},
		Reactive:    &Reactive{c},
		scope:       scope,
		inv:         inv,
	}
}

// Scope returns the scope the clients' calls carry.
func (c *Clients) Scope() Scope { return c.scope }

// WithScope returns clients over the same Invoker whose calls carry scope.
// c itself is unchanged.
func (c *Clients) WithScope(scope Scope) *Clients { return NewScoped(c.inv, scope) }

// caller is what every family client holds: where calls go and their scope.
type caller struct {
	inv   Invoker
	scope Scope
}

// invoke makes one call of op with args (nil for none). The invoker's error
// is returned as it came, so that errors.Is(err, effects.ErrNotFound) and
// the like work on it.
func (c caller) invoke(ctx context.Context, op *operation, args map[string]effects.Value) (effects.Value, error) {
	a := effects.Null()
	if len(args) > 0 {
		a = effects.Map(args)
	}
	return c.inv.Invoke(ctx, &effects.Call{
		Op:        op.id,
		Args:      a,
		Authority: c.scope.Authority,
		Context:   c.scope.Context,
		Session:   c.scope.Session,
	})
}

// millis converts a duration to whole milliseconds, rounding up so that a
// wait or a lifetime is never shorter than asked. Negative durations are 0.
func millis(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	ms := d / time.Millisecond
	if d%time.Millisecond != 0 {
		ms++
	}
	return int64(ms)
}
