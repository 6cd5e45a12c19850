package builtin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/social"
	"github.com/aurahost/aura-host/host/tasks"
)

// The builtin service kinds of host/social.
const (
	SocialManagerKind = "social_manager"
	SelectionKind     = "selection"
)

// PeerHealth is what the selection service reads a peer's health from: a
// host-owned service (the local health observer) that implements it,
// named by the selection block's health_service setting. ok is false when
// nothing is known of the peer.
type PeerHealth interface {
	PeerHealth(peer effects.AuthorityID) (rtt time.Duration, loss float64, ok bool)
}

func socialManagerKind() ServiceKind {
	return ServiceKind{
		Kind: SocialManagerKind,
		Doc: "The social topology (host/social): homes and neighbourhoods derived from the accepted invitations " +
			"of the agent's journal — only those whose invitation and answer verify under the parties' device keys — " +
			"and relay candidates spread across homes (social.select_relays), for the transport's relay list and " +
			"the selection service. Re-read after every journal write the agent's router sees.",
		Ops:          social.Ops(),
		Dependencies: []string{"journal"},
		New: func(env ServiceEnv) (HostedService, error) {
			m, err := social.NewManager(social.ManagerConfig{Name: env.Name, Self: env.Agent.AuthorityID(), Invoke: env.Agent.Invoke})
			if err != nil {
				return nil, err
			}
			env.Agent.Router().Observe(m.Observe)
			return m, nil
		},
	}
}

func selectionKind() ServiceKind {
	return ServiceKind{
		Kind: SelectionKind,
		Doc: "Path selection (host/social): a profile per destination fusing its rendezvous descriptor, its health " +
			"and the permit to send to it — direct unless privacy mode is on, then relays from at least 2 distinct " +
			"homes of the social topology, or refused with the reason. A profile holds 30 s; a destination's path " +
			"changes at most once a second, on the agent's clock.",
		Config: []effects.ConfigField{
			{Name: "privacy", Kind: effects.KindBool, Default: effects.Bool(false), Doc: "privacy mode: paths through relays, never direct"},
			{Name: "path_length", Kind: effects.KindInt, Default: effects.Int(social.DiversityFloor), Doc: "relays in a privacy path, at least 2"},
			{Name: "max_loss_ppm", Kind: effects.KindInt, Default: effects.Int(int64(social.DefaultMaxLoss * 1e6)), Doc: "a relay losing more (parts per million) is not used"},
			{Name: "social", Kind: effects.KindString, Default: effects.String(SocialManagerKind), Doc: "the social_manager service whose topology privacy paths come from"},
			{Name: "health_service", Kind: effects.KindString, Default: effects.String(""), Doc: "a service reporting peers' health (the local health observer); empty: none"},
			{Name: "permit_context", Kind: effects.KindString, Default: effects.String(""), Doc: "the context (\"context-…\") whose flow budget to a destination is its permit; empty: permits not read"},
		},
		Ops:          social.SelectionOps(),
		Dependencies: []string{SocialManagerKind, "rendezvous"},
		New:          newSelection,
	}
}

func newSelection(env ServiceEnv) (HostedService, error) {
	a := env.Agent
	set := func(name string) effects.Value { v, _ := env.Settings.Get(name); return v }
	privacy, _ := set("privacy").AsBool()
	length, _ := set("path_length").AsInt()
	lossPPM, _ := set("max_loss_ppm").AsInt()
	socialName, _ := set("social").AsString()
	healthName, _ := set("health_service").AsString()
	permitCtx, _ := set("permit_context").AsString()
	if length < social.DiversityFloor || length > social.MaxRelays {
		return nil, fmt.Errorf("path_length is %d: a privacy path has %d to %d relays", length, social.DiversityFloor, social.MaxRelays)
	}
	if lossPPM <= 0 || lossPPM > 1_000_000 {
		return nil, fmt.Errorf("max_loss_ppm is %d: it is a rate in parts per million, 1 to 1000000", lossPPM)
	}
	cfg := social.SelectorConfig{Self: a.AuthorityID(), Privacy: privacy, PathLength: int(length), MaxLoss: float64(lossPPM) / 1e6,
		Now: func(ctx context.Context) (time.Time, error) { return clockNow(ctx, a) },
		Lookup: func(ctx context.Context, peer effects.AuthorityID) (effects.Value, bool, error) {
			return lookupDescriptor(ctx, a, peer)
		},
		Topology: func(ctx context.Context) (social.Topology, error) {
			if m, ok := a.Service(socialName).(*social.Manager); ok {
				return m.Topology(ctx)
			}
			return social.Topology{}, fmt.Errorf("no %s service named %q in this deployment: privacy paths need one "+
				"(service %q { builtin = %q }), or set the selection block's social", SocialManagerKind, socialName, socialName, SocialManagerKind)
		},
		Health: func(peer effects.AuthorityID) (time.Duration, float64, bool) {
			if h, ok := a.Service(healthName).(PeerHealth); ok && healthName != "" {
				return h.PeerHealth(peer)
			}
			return 0, 0, false
		},
	}
	if permitCtx != "" {
		c, err := effects.ParseContextID(permitCtx)
		if err != nil {
			return nil, fmt.Errorf("permit_context: %v", err)
		}
		cfg.Permit = func(ctx context.Context, dest effects.AuthorityID) (uint64, bool, error) {
			b, err := a.FlowBudget(ctx, c, dest)
			if err != nil {
				return 0, false, err
			}
			return b.Headroom(), b.Limit > 0, nil
		}
	}
	sel, err := social.NewSelector(cfg)
	if err != nil {
		return nil, err
	}
	return social.NewSelectionService(env.Name, nil, sel), nil
}

// clockNow reads the agent's clock effect (virtual in simulation),
// reporting a failure rather than hiding it.
func clockNow(ctx context.Context, a Agent) (time.Time, error) {
	if c, ok := a.Tasks().Clock().(*tasks.EffectClock); ok {
		pt, err := c.PhysicalTime(ctx)
		return pt.At, err
	}
	return a.Tasks().Clock().Now(), nil
}

// lookupDescriptor asks rendezvous for a peer's descriptor: none found,
// or no rendezvous in the deployment, is no descriptor.
func lookupDescriptor(ctx context.Context, a Agent, peer effects.AuthorityID) (effects.Value, bool, error) {
	v, err := a.Effects().Rendezvous.Lookup(ctx, peer.String())
	if errors.Is(err, effects.ErrNotFound) || errors.Is(err, effects.ErrUnknownOp) {
		return effects.Value{}, false, nil
	}
	return v, err == nil, err
}
