package social

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/lifecycle"
)

// MaxRelays bounds social.select_relays' count.
const MaxRelays = 64

// ManagerConfig configures a Manager.
type ManagerConfig struct {
	// Name is the service's name (the HCL block's label).
	Name string
	// Dependencies name the plugins or services started first (the
	// journal's plugin, usually).
	Dependencies []string
	// Self is the agent's authority.
	Self effects.AuthorityID
	// Invoke routes calls as the agent. Required.
	Invoke Invoker
	// KeyOf is the trust anchor of parties' device keys; default
	// device.public_key through Invoke.
	KeyOf KeyOf
}

// Manager is the social_manager service: it derives the agent's Topology
// from its journal, caches it until a journal write is observed
// (Observe), and serves the social family. A failed read of the journal
// degrades it, with the reason; the next good read recovers it.
type Manager struct {
	lifecycle.Tracker
	cfg ManagerConfig

	mu    sync.Mutex
	topo  Topology
	valid bool   // topo is up to date with the journal
	gen   uint64 // bumped by every observed journal write
}

// NewManager returns a Manager, not started.
func NewManager(cfg ManagerConfig) (*Manager, error) {
	if cfg.Invoke == nil || cfg.Self.IsZero() {
		return nil, errors.New("social: ManagerConfig needs Invoke and Self")
	}
	if cfg.KeyOf == nil {
		cfg.KeyOf = DeviceKeys(cfg.Invoke)
	}
	if cfg.Name == "" {
		cfg.Name = "social_manager"
	}
	return &Manager{cfg: cfg}, nil
}

// DeviceKeys is the KeyOf that asks device.public_key through invoke: the
// deployment's peer keys, and the agent's own key for itself.
func DeviceKeys(invoke Invoker) KeyOf {
	return func(ctx context.Context, a effects.AuthorityID) (ed25519.PublicKey, bool, error) {
		v, err := invoke(ctx, effects.DevicePublicKey, effects.Map(map[string]effects.Value{"authority": effects.String(a.String())}))
		if errors.Is(err, effects.ErrNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("the device key of %s: %w", a, err)
		}
		b, ok := v.AsBytes()
		if !ok || len(b) != ed25519.PublicKeySize {
			return nil, false, fmt.Errorf("%s returned %v, want a %d-byte key", effects.DevicePublicKey, v, ed25519.PublicKeySize)
		}
		return ed25519.PublicKey(b), true, nil
	}
}

// Name is the service's name.
func (m *Manager) Name() string { return m.cfg.Name }

// Dependencies are the configured dependencies.
func (m *Manager) Dependencies() []string { return m.cfg.Dependencies }

// Start reads the topology once: a journal it cannot read leaves it
// started but degraded, since the journal's plugin may be restarting.
func (m *Manager) Start(ctx context.Context) error {
	m.Set(lifecycle.Healthy, "")
	_, _ = m.Topology(ctx)
	return nil
}

// Stop stops serving.
func (m *Manager) Stop(context.Context) error {
	m.Set(lifecycle.Stopped, "")
	m.mu.Lock()
	m.valid = false
	m.mu.Unlock()
	return nil
}

// Observe is a Router observer (host.Router.Observe): a successful
// journal write makes the cached topology stale.
func (m *Manager) Observe(call *effects.Call, _ effects.Value, err error, _ time.Duration) {
	if err != nil {
		return
	}
	switch call.Op {
	case effects.JournalAppendFact, effects.JournalMergeFacts, effects.JournalMergeSigned:
		m.mu.Lock()
		m.valid = false
		m.gen++
		m.mu.Unlock()
	}
}

// Topology returns the agent's topology, read again from the journal if
// a write was observed since the last read.
func (m *Manager) Topology(ctx context.Context) (Topology, error) {
	if !m.Health().Operational() {
		return Topology{}, ErrNotStarted
	}
	m.mu.Lock()
	if m.valid {
		t := m.topo
		m.mu.Unlock()
		return t, nil
	}
	gen := m.gen
	m.mu.Unlock()
	rels, skipped, err := ReadRelationships(ctx, m.cfg.Invoke, m.cfg.KeyOf)
	if err != nil {
		if ctx.Err() == nil {
			m.Degrade("read the relationships from the journal: " + err.Error())
		}
		return Topology{}, err
	}
	m.Recover()
	t := Derive(m.cfg.Self, rels)
	t.Skipped = skipped
	m.mu.Lock()
	if m.gen == gen { // no write raced the read
		m.topo, m.valid = t, true
	}
	m.mu.Unlock()
	return t, nil
}

// Ops are the operations a Manager serves.
func Ops() []effects.OpSpec {
	return []effects.OpSpec{
		{ID: effects.SocialNeighbourhood, Result: effects.KindMap, Idempotent: true, Determinism: effects.ReadsWorld,
			Doc: "Returns the agent's neighbourhood derived from its journaled, verified relationships (accepted " +
				"invitations): {self, homes: [{id, kind (channel | device | peer), members: [authority ids], own: bool}], " +
				"peers: [{authority, relations: [kinds of the agent's own relationships with it], home, tier}], " +
				"relationships: int, skipped: {malformed, unverified, unknown}: facts not believed}."},
		{ID: effects.SocialSelectRelays, Result: effects.KindList, Idempotent: true, Determinism: effects.ReadsWorld,
			Params: []effects.Param{{Name: "count", Kind: effects.KindInt, Doc: "how many relays, 1 to 64"}},
			Doc: "Returns up to count relay candidates [{authority, home, tier}] of the neighbourhood: deterministic for " +
				"a journal, spread across homes (every home's first pick before any home's second), guardians first " +
				"within a home. A count outside 1..64 is invalid_args."},
	}
}

// Invoke serves the social family.
func (m *Manager) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	switch call.Op {
	case effects.SocialNeighbourhood, effects.SocialSelectRelays:
	default:
		return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: call.Op}
	}
	if !call.Authority.IsZero() && call.Authority != m.cfg.Self {
		return effects.Value{}, &effects.Error{Code: effects.CodeDenied, Op: call.Op,
			Message: fmt.Sprintf("this social manager belongs to %s, the call names %s", m.cfg.Self, call.Authority)}
	}
	count := int64(0)
	if call.Op == effects.SocialSelectRelays {
		n, ok := call.Arg("count").AsInt()
		if !ok || n < 1 || n > MaxRelays {
			return effects.Value{}, invalid(call.Op, "count must be an integer from 1 to %d, got %v", MaxRelays, call.Arg("count"))
		}
		count = n
	}
	t, err := m.Topology(ctx)
	if err != nil {
		return effects.Value{}, opError(call.Op, err)
	}
	if call.Op == effects.SocialNeighbourhood {
		return t.Value(), nil
	}
	return candidatesValue(SelectRelays(t, int(count), nil)), nil
}
