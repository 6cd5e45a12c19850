package builtin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/host/holds"
	"github.com/aurahost/aura-host/host/tasks"
)

// HoldsKind is the builtin kind of the hold service (host/holds).
const HoldsKind = "holds"

// Task names of a hold service under the agent's task supervisor, in the
// group "service-NAME".
const (
	HoldsPumpTask    = "pump"    // receive and answer hold messages, send the movement queues
	HoldsRefreshTask = "refresh" // ask holders for fresh capabilities (at half their TTL) and offers
	HoldsGCTask      = "gc"      // remove what passed its retention
	HoldsHelloTask   = "hello"   // once at start: ask every peer what it holds for us
)

func ms(name string, def time.Duration, doc string) effects.ConfigField {
	return effects.ConfigField{Name: name, Kind: effects.KindInt, Default: effects.Int(def.Milliseconds()), Doc: doc}
}

func count(name string, def int, doc string) effects.ConfigField {
	return effects.ConfigField{Name: name, Kind: effects.KindInt, Default: effects.Int(int64(def)), Doc: doc}
}

// holdsKind is the hold service: shared custody of sealed envelopes for
// offline peers, with retrieval capabilities, witnesses and movement
// queues.
func holdsKind() ServiceKind {
	return ServiceKind{
		Kind: HoldsKind,
		Doc: "Shared custody of sealed envelopes for peers that are offline (hold.*): a depositor seals a payload for a " +
			"recipient (signed by its device) and deposits it with holders (3 by default); the recipient, back online, " +
			"asks its holders for a capability (30 s, rotated at half of it) and retrieves and verifies the envelope; " +
			"holders keep deposits in the agent's storage until retention (120 s); a holder's score moves only on the " +
			"recipient's verified witness. Messages travel in envelopes of the aura-hold/v1 context through the guard " +
			"chain, from bounded per-peer movement queues with a replay window. Needs a storage, a network and a clock " +
			"plugin, and network.send_envelope in the agent's allow list.",
		Config: []effects.ConfigField{
			{Name: "peers", Kind: effects.KindList, Doc: "agents or peers of the deployment (names or authority ids) to hold for and with; default every other agent and peer"},
			count("holders", holds.DefaultHolders, "how many holders a deposit goes to"),
			ms("capability_ttl_ms", holds.DefaultCapabilityTTL, "a retrieval capability's lifetime; rotated at half of it"),
			ms("retention_ms", holds.DefaultRetention, "how long deposits are kept"),
			ms("gc_interval_ms", holds.DefaultGCInterval, "how often expired deposits are removed"),
			ms("poll_interval_ms", holds.DefaultPollInterval, "how often hold messages are received and queues sent"),
			ms("replay_window_ms", holds.DefaultReplayWindow, "how long a received message id is remembered"),
			count("max_per_depositor", holds.DefaultMaxPerDepositor, "deposits held for one depositor at most"),
			count("max_held", holds.DefaultMaxHeld, "deposits held for others at most"),
			count("queue_limit", holds.DefaultQueueLimit, "messages waiting per peer at most"),
		},
		Ops:          effects.HoldOps(),
		Dependencies: []string{"storage", "network", "clock"},
		New:          newHoldsService,
	}
}

// HoldsService runs a holds.Service under the agent: the service itself,
// and its periodic Pump, Refresh and GC under the task supervisor.
type HoldsService struct {
	*holds.Service
	agent Agent
	group *tasks.Group
}

func newHoldsService(env ServiceEnv) (HostedService, error) {
	get := func(name string) int64 {
		v, _ := env.Settings.Get(name)
		n, _ := v.AsInt()
		return n
	}
	for _, name := range []string{"holders", "capability_ttl_ms", "retention_ms", "gc_interval_ms", "poll_interval_ms",
		"replay_window_ms", "max_per_depositor", "max_held", "queue_limit"} {
		if get(name) <= 0 {
			return nil, fmt.Errorf("config %s = %d: must be positive", name, get(name))
		}
	}
	self := env.Agent.AuthorityID()
	pv, _ := env.Settings.Get("peers")
	peers, err := holdPeers(env, self, pv)
	if err != nil {
		return nil, err
	}
	dur := func(name string) time.Duration { return time.Duration(get(name)) * time.Millisecond }
	hs := &HoldsService{agent: env.Agent}
	svc, err := holds.New(holds.Config{
		Name: env.Name, Self: self, Invoke: env.Agent.Invoke, Peers: peers,
		Holders: int(get("holders")), CapabilityTTL: dur("capability_ttl_ms"), Retention: dur("retention_ms"),
		GCInterval: dur("gc_interval_ms"), PollInterval: dur("poll_interval_ms"), ReplayWindow: dur("replay_window_ms"),
		MaxPerDepositor: int(get("max_per_depositor")), MaxHeld: int(get("max_held")), QueueLimit: int(get("queue_limit")),
		RestartChain: hs.restartChain, Logger: env.Logger,
	})
	if err != nil {
		return nil, err
	}
	hs.Service = svc
	return hs, nil
}

// holdPeers resolves the peers setting: names of the deployment's agents
// and peer blocks, or authority ids; by default every agent and peer but
// self.
func holdPeers(env ServiceEnv, self effects.AuthorityID, setting effects.Value) ([]effects.AuthorityID, error) {
	dep := env.Deployment
	known := map[string]effects.AuthorityID{}
	var all []effects.AuthorityID
	add := func(name, authority string) error {
		id, err := env.Authority(&config.Agent{Name: name, Authority: authority})
		if err != nil {
			return fmt.Errorf("peer %s: %w", name, err)
		}
		known[name] = id
		if id != self {
			all = append(all, id)
		}
		return nil
	}
	if dep != nil {
		for _, ag := range dep.Agents {
			if err := add(ag.Name, ag.Authority); err != nil {
				return nil, err
			}
		}
		for _, p := range dep.Peers {
			if !p.Relay {
				if err := add(p.Name, p.Authority); err != nil {
					return nil, err
				}
			}
		}
	}
	if setting.IsNull() {
		return all, nil
	}
	var out []effects.AuthorityID
	for _, it := range setting.Items() {
		s, _ := it.AsString()
		if id, ok := known[s]; ok {
			out = append(out, id)
			continue
		}
		id, err := effects.ParseAuthorityID(s)
		if err != nil {
			return nil, fmt.Errorf("config peers: %q is neither an agent or peer of the deployment nor an authority id", s)
		}
		out = append(out, id)
	}
	return out, nil
}

// Start loads the service's records and starts its periodic work.
func (h *HoldsService) Start(ctx context.Context) error {
	if err := h.Service.Start(ctx); err != nil {
		return err
	}
	cfg := h.Config()
	h.group = h.agent.Tasks().Group("service-" + cfg.Name)
	// An agent coming (back) online asks its holders at once, not a
	// refresh interval later.
	if err := h.group.Go(HoldsHelloTask, quietOnShutdown(h.Refresh)); err != nil {
		return err
	}
	for _, t := range []struct {
		name  string
		every time.Duration
		fn    tasks.TaskFunc
	}{
		{HoldsPumpTask, cfg.PollInterval, h.Pump},
		{HoldsRefreshTask, cfg.CapabilityTTL / 4, h.Refresh},
		{HoldsGCTask, cfg.GCInterval, func(ctx context.Context) error { _, err := h.GC(ctx); return err }},
	} {
		if err := h.group.Every(t.name, max(t.every, time.Millisecond), quietOnShutdown(t.fn)); err != nil {
			return err
		}
	}
	return nil
}

// quietOnShutdown is fn, whose failure because the agent is shutting
// down (a run that was under way when Shutdown began) is no failure.
func quietOnShutdown(fn tasks.TaskFunc) tasks.TaskFunc {
	return func(ctx context.Context) error {
		err := fn(ctx)
		if ctx.Err() != nil || errors.Is(err, host.ErrShutdown) {
			return nil
		}
		return err
	}
}

// Stop stops the periodic work, then the service.
func (h *HoldsService) Stop(ctx context.Context) error {
	var err error
	if h.group != nil {
		err = h.group.Stop(ctx)
	}
	return errors.Join(err, h.Service.Stop(ctx))
}

// restartChain starts a new receipt chain for the hold envelopes to peer
// after one may have been lost (as the agent does for its sync envelopes).
func (h *HoldsService) restartChain(ctx context.Context, peer effects.AuthorityID) error {
	key := guard.BudgetKey{Context: holds.Context, Peer: peer}
	b, ok, err := h.agent.Router().FlowBudgets().Get(ctx, key)
	if err != nil || !ok {
		return err
	}
	_, err = h.agent.Router().FlowBudgets().Rotate(ctx, key, b.Epoch+1)
	return err
}
