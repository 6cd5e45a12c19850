package host

import (
	"context"
	"errors"
	"fmt"

	"github.com/aurahost/aura-host/effects"
)

// A reserved context is a relational context whose sends only one
// in-process holder may make: the cover-traffic service's, whose flow
// budget per peer is the cover reserve. Anyone else's send in it — the
// application's invoke, a protocol, a plugin's callback — is refused
// (denied) by the guard chain before its budget is read, so nothing but
// the holder can spend the reserve. The holder proves itself with a Go
// context value of an unexported type: only code in this process that was
// handed the mark can make it, and no call that crosses a process
// boundary (a plugin's host callback, the admin endpoint) carries one.

// reservation is one context's holder: its address is the proof.
type reservation struct {
	context effects.ContextID
	holder  string
}

type reservationKey struct{}

// ErrReservedContext refuses a send in a context reserved for a
// host-owned service by anyone but that service.
var ErrReservedContext = errors.New("the context is reserved for a host-owned service")

// ReserveContext reserves the sends of a relational context for one
// holder (named for the error messages: "service cover") and returns the
// mark the holder puts on the context of each of its sends. It must be
// called after Guard (an unguarded router reserves nothing: it has no
// budgets to protect); a context reserved twice is an error.
func (r *Router) ReserveContext(id effects.ContextID, holder string) (mark func(context.Context) context.Context, err error) {
	if r.guard == nil {
		return nil, fmt.Errorf("reserve context %s for %s: the router has no guard chain (no agent)", id, holder)
	}
	res := &reservation{context: id, holder: holder}
	g := r.guard
	g.reserveMu.Lock()
	defer g.reserveMu.Unlock()
	cur := g.reserved.Load()
	if cur != nil {
		if other, ok := (*cur)[id]; ok {
			return nil, fmt.Errorf("reserve context %s for %s: already reserved for %s", id, holder, other.holder)
		}
	}
	next := map[effects.ContextID]*reservation{id: res}
	if cur != nil {
		for k, v := range *cur {
			next[k] = v
		}
	}
	g.reserved.Store(&next)
	return func(ctx context.Context) context.Context { return context.WithValue(ctx, reservationKey{}, res) }, nil
}

// checkReserved refuses a send in a reserved context whose caller does
// not carry that context's mark.
func (g *guardChain) checkReserved(ctx context.Context, op effects.OpID, id effects.ContextID) error {
	cur := g.reserved.Load()
	if cur == nil {
		return nil
	}
	res, ok := (*cur)[id]
	if !ok {
		return nil
	}
	if held, _ := ctx.Value(reservationKey{}).(*reservation); held == res {
		return nil
	}
	return &effects.Error{Code: effects.CodeDenied, Op: op, Err: ErrReservedContext,
		Message: fmt.Sprintf("context %s is reserved for %s, whose flow budget it is: send in a context of your own", id, res.holder)}
}
