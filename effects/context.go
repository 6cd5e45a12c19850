package effects

import (
	"context"
	"maps"
)

// EffectContext is what travels with every effect call (AURA-SPEC §1): the
// authority it acts for, the relational context and session it belongs to,
// the execution mode, and free-form metadata. Attach it to a
// context.Context with WithEffectContext; a router fills a call's unset
// scope from it.
type EffectContext struct {
	Authority AuthorityID
	Context   ContextID
	Session   SessionID
	Mode      Mode
	Metadata  map[string]string
}

type effectContextKey struct{}

// WithEffectContext returns ctx carrying ec.
func WithEffectContext(ctx context.Context, ec EffectContext) context.Context {
	ec.Metadata = maps.Clone(ec.Metadata)
	return context.WithValue(ctx, effectContextKey{}, ec)
}

// EffectContextFrom returns the EffectContext ctx carries, if any.
func EffectContextFrom(ctx context.Context) (EffectContext, bool) {
	ec, ok := ctx.Value(effectContextKey{}).(EffectContext)
	return ec, ok
}

// Scope fills the unset scope of call (authority, context, session) from
// the EffectContext ctx carries, returning call itself when nothing
// changes and a copy otherwise.
func Scope(ctx context.Context, call *Call) *Call {
	ec, ok := EffectContextFrom(ctx)
	if !ok {
		return call
	}
	fill := call.Authority.IsZero() && !ec.Authority.IsZero() ||
		call.Context.IsZero() && !ec.Context.IsZero() ||
		call.Session.IsZero() && !ec.Session.IsZero()
	if !fill {
		return call
	}
	c := *call
	if c.Authority.IsZero() {
		c.Authority = ec.Authority
	}
	if c.Context.IsZero() {
		c.Context = ec.Context
	}
	if c.Session.IsZero() {
		c.Session = ec.Session
	}
	return &c
}
