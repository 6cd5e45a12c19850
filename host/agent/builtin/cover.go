package builtin

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/cover"
	"github.com/aurahost/aura-host/host/guard"
)

// CoverKind is the builtin kind of the cover-traffic service (host/cover).
const CoverKind = "cover_traffic"

// coverKind is the cover-traffic service: with privacy mode on, every peer
// link carries at least floor_pps packets per second, the application's
// sends topped up with opaque cover envelopes charged to a reserved flow
// budget; off, it sends nothing but still drops the cover its peers send.
func coverKind() ServiceKind {
	return ServiceKind{
		Kind: CoverKind,
		Doc: "Cover traffic: with privacy_mode on, tops every peer link up to floor_pps packets per second with " +
			"opaque cover envelopes (random payloads the size of the application's recent small ones, in their own context) charged to a reserved " +
			"flow budget per peer that the application cannot spend; drops (and counts) the cover its peers send. " +
			"cover.status reports the counts per peer. Off, it sends nothing.",
		Config: []effects.ConfigField{
			{Name: "privacy_mode", Kind: effects.KindBool, Default: effects.Bool(false),
				Doc: "send cover traffic (false: the service only drops the cover its peers send)"},
			{Name: "floor_pps", Kind: effects.KindInt, Default: effects.Int(cover.DefaultFloorPPS),
				Doc: "packets per second each peer link carries at least, application traffic included (>= 1)"},
			{Name: "interval_ms", Kind: effects.KindInt, Default: effects.Int(cover.DefaultInterval.Milliseconds()),
				Doc: "milliseconds between two top-ups, on the agent's clock (>= 1)"},
			{Name: "path_ttl_ms", Kind: effects.KindInt, Default: effects.Int(cover.DefaultPathTTL.Milliseconds()),
				Doc: "lifetime of a path in milliseconds; each new path renews the reserve (>= 1)"},
			{Name: "payload_bytes", Kind: effects.KindInt, Default: effects.Int(cover.DefaultPayloadBytes),
				Doc: fmt.Sprintf("size of every cover payload (%d to %d)", cover.PayloadHeader, cover.MaxPayloadBytes)},
			{Name: "fixed_size", Kind: effects.KindBool, Default: effects.Bool(false),
				Doc: "send every cover payload at payload_bytes (false: at the sizes of the application's recent small payloads to the peer, payload_bytes until there are some)"},
			{Name: "reserve", Kind: effects.KindInt, Default: effects.Int(0),
				Doc: "flow-budget limit of the cover context per peer and path (0: twice what the floor needs)"},
		},
		Ops: effects.CoverOps(),
		New: newCoverService,
	}
}

// newCoverService builds the service of a cover_traffic block: it reserves
// the cover context in the agent's guard chain and observes its router.
func newCoverService(env ServiceEnv) (HostedService, error) {
	cfg, err := coverConfig(env.Settings)
	if err != nil {
		return nil, err
	}
	a := env.Agent
	mark, err := a.Router().ReserveContext(cover.Context, "service "+env.Name)
	if err != nil {
		return nil, err
	}
	cfg.Name, cfg.Self, cfg.Invoke, cfg.Mark, cfg.Logger = env.Name, a.AuthorityID(), a.Invoke, mark, env.Logger
	cfg.Budget = coverBudget{a}
	if cfg.Peers, err = coverPeers(env); err != nil {
		return nil, err
	}
	cfg.ConnectedPeers = true
	cfg.Schedule = func(name string, interval time.Duration, tick func(context.Context) error) (func(context.Context) error, error) {
		g := a.Tasks().Group("service-" + strings.ReplaceAll(name, "/", "_"))
		if err := g.Every("cover", interval, tick); err != nil {
			return nil, err
		}
		return g.Stop, nil
	}
	s, err := cover.New(cfg)
	if err != nil {
		return nil, err
	}
	a.Router().Observe(s.Observe)
	return s, nil
}

// coverConfig reads a cover_traffic config block; a value out of range is
// an error naming the attribute and what to use.
func coverConfig(settings effects.Value) (cover.Config, error) {
	get := func(name string) int64 {
		v, _ := settings.Get(name)
		n, _ := v.AsInt()
		return n
	}
	flag := func(name string) bool {
		v, _ := settings.Get(name)
		b, _ := v.AsBool()
		return b
	}
	for _, name := range []string{"floor_pps", "interval_ms", "path_ttl_ms"} {
		if get(name) < 1 {
			return cover.Config{}, fmt.Errorf("%s = %d: use 1 or more", name, get(name))
		}
	}
	if r := get("reserve"); r < 0 {
		return cover.Config{}, fmt.Errorf("reserve = %d: use 0 (twice what the floor needs) or a positive limit", r)
	}
	if p := get("payload_bytes"); p < cover.PayloadHeader || p > cover.MaxPayloadBytes {
		return cover.Config{}, fmt.Errorf("payload_bytes = %d: use %d to %d", p, cover.PayloadHeader, cover.MaxPayloadBytes)
	}
	return cover.Config{PrivacyMode: flag("privacy_mode"), FixedSize: flag("fixed_size"), FloorPPS: int(get("floor_pps")), Interval: time.Duration(get("interval_ms")) * time.Millisecond,
		PathTTL: time.Duration(get("path_ttl_ms")) * time.Millisecond, PayloadBytes: int(get("payload_bytes")),
		Reserve: uint64(get("reserve"))}, nil
}

// coverBudget is the cover reserve in the agent's guard chain: the flow
// budget of (cover.Context, peer).
type coverBudget struct{ a Agent }

// Renew sets the reserve's limit and moves it to its next epoch: nothing
// spent, and a new receipt chain the peer accepts whatever it missed.
func (b coverBudget) Renew(ctx context.Context, peer effects.AuthorityID, limit uint64) error {
	key := guard.BudgetKey{Context: cover.Context, Peer: peer}
	budgets := b.a.Router().FlowBudgets()
	cur, err := budgets.Set(ctx, key, limit)
	if err != nil {
		return err
	}
	_, err = budgets.Rotate(ctx, key, cur.Epoch+1)
	return err
}

// Get reads the reserve's limit and what it has spent.
func (b coverBudget) Get(ctx context.Context, peer effects.AuthorityID) (uint64, uint64, error) {
	cur, _, err := b.a.Router().FlowBudgets().Get(ctx, guard.BudgetKey{Context: cover.Context, Peer: peer})
	return cur.Limit, cur.Spent, err
}

// coverPeers are the links the agent covers besides its connected peers:
// the deployment's other agents (a simulated network lists a peer only
// once an envelope has crossed to it, and cover must not wait for the
// application's first send).
func coverPeers(env ServiceEnv) ([]effects.AuthorityID, error) {
	dep := env.Agent.Host().Deployment()
	var out []effects.AuthorityID
	for _, ag := range dep.Agents {
		id, err := env.Authority(ag)
		if err != nil {
			return nil, err
		}
		if id != env.Agent.AuthorityID() {
			out = append(out, id)
		}
	}
	return out, nil
}
