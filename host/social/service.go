package social

import (
	"context"
	"fmt"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/lifecycle"
)

// SelectionService is the selection service: a Selector serving the
// selection family.
type SelectionService struct {
	lifecycle.Tracker
	name string
	deps []string
	self effects.AuthorityID
	sel  *Selector
}

// NewSelectionService returns the service named name over sel.
func NewSelectionService(name string, deps []string, sel *Selector) *SelectionService {
	if name == "" {
		name = "selection"
	}
	return &SelectionService{name: name, deps: deps, self: sel.cfg.Self, sel: sel}
}

// Selector is the service's selector.
func (s *SelectionService) Selector() *Selector { return s.sel }

// Name is the service's name.
func (s *SelectionService) Name() string { return s.name }

// Dependencies are the configured dependencies (the social manager).
func (s *SelectionService) Dependencies() []string { return s.deps }

// Start starts serving.
func (s *SelectionService) Start(context.Context) error {
	s.Set(lifecycle.Healthy, "")
	return nil
}

// Stop stops serving and forgets the profiles.
func (s *SelectionService) Stop(context.Context) error {
	s.Set(lifecycle.Stopped, "")
	s.sel.Forget()
	return nil
}

// SelectionOps are the operations a SelectionService serves.
func SelectionOps() []effects.OpSpec {
	return []effects.OpSpec{
		{ID: effects.SelectionProfile, Result: effects.KindMap, Determinism: effects.ReadsWorld,
			Params: []effects.Param{
				{Name: "destination", Kind: effects.KindString, Doc: "the destination authority (\"authority-…\"), not the agent's own"},
				{Name: "refresh", Kind: effects.KindBool, Optional: true, Doc: "compute again now (a change of path is still held for 1 s after the last)"},
			},
			Doc: "Returns the destination's profile {destination, mode (passthrough | private), path: [{authority, home, tier}], " +
				"descriptor: bool, addresses, relays, health_known: bool, rtt_ms, loss_ppm, permit_known: bool, permitted: bool, " +
				"headroom: uint, computed_ms, expires_ms, changed_ms}: " +
				"direct unless privacy mode is on, then relays from at least 2 distinct homes. A profile holds 30 s; a " +
				"destination's path changes at most once a second. In privacy mode a destination without such relays is " +
				"unavailable, with the reason; it is never reached directly instead."},
		{ID: effects.SelectionSetPrivacy, Result: effects.KindBool, Idempotent: true, Determinism: effects.WritesWorld,
			Params: []effects.Param{{Name: "on", Kind: effects.KindBool, Doc: "privacy mode on (paths through relays) or off (direct)"}},
			Doc:    "Turns privacy mode on or off, dropping the profiles of the other mode; returns the new setting."},
	}
}

// Invoke serves the selection family.
func (s *SelectionService) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	if call.Op != effects.SelectionProfile && call.Op != effects.SelectionSetPrivacy {
		return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: call.Op}
	}
	if !call.Authority.IsZero() && call.Authority != s.self {
		return effects.Value{}, &effects.Error{Code: effects.CodeDenied, Op: call.Op,
			Message: fmt.Sprintf("this selection service belongs to %s, the call names %s", s.self, call.Authority)}
	}
	if !s.Health().Operational() {
		return effects.Value{}, opError(call.Op, ErrNotStarted)
	}
	if call.Op == effects.SelectionSetPrivacy {
		on, ok := call.Arg("on").AsBool()
		if !ok {
			return effects.Value{}, invalid(call.Op, "on must be a bool, got %v", call.Arg("on"))
		}
		s.sel.SetPrivacy(on)
		return effects.Bool(on), nil
	}
	ds, _ := call.Arg("destination").AsString()
	dest, err := effects.ParseAuthorityID(ds)
	if err != nil {
		return effects.Value{}, invalid(call.Op, "destination must be an authority id (\"authority-\" and 32 hex digits): %v", err)
	}
	if dest == s.self {
		return effects.Value{}, invalid(call.Op, "destination is the agent itself: a profile is of another authority")
	}
	refresh := false
	if r := call.Arg("refresh"); !r.IsNull() {
		var ok bool
		if refresh, ok = r.AsBool(); !ok {
			return effects.Value{}, invalid(call.Op, "refresh must be a bool, got %v", r)
		}
	}
	p, _, err := s.sel.Profile(ctx, dest, refresh)
	if err != nil {
		return effects.Value{}, opError(call.Op, err)
	}
	return p.Value(), nil
}
