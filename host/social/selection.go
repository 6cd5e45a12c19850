package social

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/internal/descriptor"
)

// The seed's limits of path selection.
const (
	// PathTTL is how long a profile holds before it is computed again.
	PathTTL = 30 * time.Second
	// MinPathChange is the least time between two changes of one
	// destination's path.
	MinPathChange = time.Second
	// DiversityFloor is how many distinct homes the relays of a privacy
	// path come from, at least.
	DiversityFloor = 2
	// DefaultMaxLoss is the loss rate above which a relay is not used.
	DefaultMaxLoss = 0.5
)

// Health reports what the local health observer knows of a peer: its
// smoothed round-trip time and loss rate, and false when it knows nothing.
type Health func(peer effects.AuthorityID) (rtt time.Duration, loss float64, ok bool)

// Permit reports the agent's permit to send to a destination: the
// headroom of its flow budget, and false when it has no budget (which
// grants nothing).
type Permit func(ctx context.Context, destination effects.AuthorityID) (headroom uint64, ok bool, err error)

// Lookup returns a peer's descriptor from rendezvous (rendezvous.lookup),
// false when there is none.
type Lookup func(ctx context.Context, peer effects.AuthorityID) (effects.Value, bool, error)

// SelectorConfig configures a Selector.
type SelectorConfig struct {
	Self effects.AuthorityID
	// Topology returns the agent's current topology (Manager.Topology).
	// Required.
	Topology func(ctx context.Context) (Topology, error)
	// Now reads the agent's clock (virtual in simulation). Required.
	Now func(ctx context.Context) (time.Time, error)
	// Lookup, Health and Permit are the inputs fused into a profile; a nil
	// one is an input the profile says nothing about.
	Lookup Lookup
	Health Health
	Permit Permit
	// Privacy turns on privacy mode: paths through relays, never direct.
	Privacy bool
	// PathLength is the number of relays of a privacy path; default and
	// least DiversityFloor.
	PathLength int
	// MaxLoss excludes relays losing more than this; default DefaultMaxLoss.
	MaxLoss float64
}

// Mode is how a profile reaches its destination.
type Mode string

// The modes.
const (
	Passthrough Mode = "passthrough" // direct: privacy mode is off
	Private     Mode = "private"     // through relays of distinct homes
)

// Profile is what the agent knows of how to reach one destination.
type Profile struct {
	Destination effects.AuthorityID
	Mode        Mode
	Path        []Candidate // the relays, in order; none when passthrough
	// Descriptor: the destination has a valid descriptor in rendezvous,
	// with these addresses and relays.
	Descriptor bool
	Addresses  []string
	Relays     []string
	// Health of the destination, when known.
	HealthKnown bool
	RTT         time.Duration
	Loss        float64
	// Permit: whether the agent's flow budget lets it send, and how much.
	PermitKnown bool
	Permitted   bool
	Headroom    uint64
	ComputedAt  time.Time
	ExpiresAt   time.Time // ComputedAt + PathTTL
	ChangedAt   time.Time // when Path last changed
}

// Outcome says what a Profile call did with the destination's profile.
type Outcome string

// The outcomes of the per-destination state machine.
const (
	Fresh   Outcome = "fresh"   // there was none: computed
	Cached  Outcome = "cached"  // still within its TTL, healthy: returned as it was
	Renewed Outcome = "renewed" // computed again, same path: TTL restarted
	Changed Outcome = "changed" // computed again, another path, and MinPathChange had passed
	Held    Outcome = "held"    // another path was due, but the last change is under MinPathChange old
)

// Selector keeps a profile per destination. It is safe for concurrent use.
type Selector struct {
	cfg SelectorConfig

	mu       sync.Mutex
	profiles map[effects.AuthorityID]Profile
	privacy  bool
}

// NewSelector returns a Selector; a config without Topology or Now is a
// wiring bug.
func NewSelector(cfg SelectorConfig) (*Selector, error) {
	if cfg.Topology == nil || cfg.Now == nil {
		return nil, errors.New("social: SelectorConfig needs Topology and Now")
	}
	if cfg.PathLength < DiversityFloor {
		cfg.PathLength = DiversityFloor
	}
	if cfg.MaxLoss <= 0 {
		cfg.MaxLoss = DefaultMaxLoss
	}
	return &Selector{cfg: cfg, profiles: map[effects.AuthorityID]Profile{}, privacy: cfg.Privacy}, nil
}

// SetPrivacy turns privacy mode on or off; profiles computed in the other
// mode are dropped.
func (s *Selector) SetPrivacy(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.privacy != on {
		s.privacy = on
		clear(s.profiles)
	}
}

// Privacy reports whether privacy mode is on.
func (s *Selector) Privacy() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.privacy
}

// Profile returns the destination's profile, computing it when there is
// none, when its TTL has passed, when a relay of its path became
// unhealthy, or when refresh asks. A new path replaces the old one only
// if the old one is MinPathChange old; until then the old path is held.
// In privacy mode a destination without relays from DiversityFloor homes
// is a *DiversityError, and its old profile is dropped.
func (s *Selector) Profile(ctx context.Context, dest effects.AuthorityID, refresh bool) (Profile, Outcome, error) {
	if dest.IsZero() || dest == s.cfg.Self {
		return Profile{}, "", fmt.Errorf("social: a profile is of another authority, got %s", dest)
	}
	now, err := s.cfg.Now(ctx)
	if err != nil {
		return Profile{}, "", fmt.Errorf("social: read the clock: %w", err)
	}
	s.mu.Lock()
	old, had := s.profiles[dest]
	privacy := s.privacy
	s.mu.Unlock()
	if had && !refresh && now.Before(old.ExpiresAt) && s.pathHealthy(old.Path) {
		return old, Cached, nil
	}
	next, err := s.compute(ctx, dest, privacy, now)
	if err != nil {
		s.mu.Lock()
		delete(s.profiles, dest)
		s.mu.Unlock()
		return Profile{}, "", err
	}
	p, outcome := decide(old, had, next, now)
	s.mu.Lock()
	if s.privacy == privacy {
		s.profiles[dest] = p
	}
	s.mu.Unlock()
	return p, outcome, nil
}

// decide is the per-destination state machine: what the new profile is,
// given the old one (if any) and the one just computed at now.
func decide(old Profile, had bool, next Profile, now time.Time) (Profile, Outcome) {
	switch {
	case !had:
		next.ChangedAt = now
		return next, Fresh
	case samePath(old.Path, next.Path):
		next.ChangedAt = old.ChangedAt
		return next, Renewed
	case now.Sub(old.ChangedAt) < MinPathChange:
		// Keep the old path, with the fresh inputs, until a change is
		// allowed: then the next call computes again.
		next.Path, next.ChangedAt = old.Path, old.ChangedAt
		next.ExpiresAt = old.ChangedAt.Add(MinPathChange)
		return next, Held
	}
	next.ChangedAt = now
	return next, Changed
}

func samePath(a, b []Candidate) bool {
	return slices.EqualFunc(a, b, func(x, y Candidate) bool { return x.Authority == y.Authority })
}

func (s *Selector) pathHealthy(path []Candidate) bool {
	for _, c := range path {
		if !s.usable(c.Authority) {
			return false
		}
	}
	return true
}

// usable: a relay whose loss is known and above MaxLoss is not.
func (s *Selector) usable(peer effects.AuthorityID) bool {
	if s.cfg.Health == nil {
		return true
	}
	_, loss, ok := s.cfg.Health(peer)
	return !ok || loss <= s.cfg.MaxLoss
}

// compute fuses the inputs into a profile at now.
func (s *Selector) compute(ctx context.Context, dest effects.AuthorityID, privacy bool, now time.Time) (Profile, error) {
	p := Profile{Destination: dest, Mode: Passthrough, ComputedAt: now, ExpiresAt: now.Add(PathTTL)}
	if s.cfg.Lookup != nil {
		v, ok, err := s.cfg.Lookup(ctx, dest)
		if err != nil {
			return Profile{}, fmt.Errorf("social: look up the descriptor of %s: %w", dest, err)
		}
		if ok {
			// A descriptor that does not verify, or describes someone
			// else, is as good as none.
			if d, err := descriptor.Verify(v, now.UnixMilli()); err == nil && d.Authority == dest {
				p.Descriptor, p.Addresses, p.Relays = true, d.Addresses, d.Relays
			}
		}
	}
	if s.cfg.Health != nil {
		p.RTT, p.Loss, p.HealthKnown = s.cfg.Health(dest)
	}
	if s.cfg.Permit != nil {
		h, ok, err := s.cfg.Permit(ctx, dest)
		if err != nil {
			return Profile{}, fmt.Errorf("social: read the permit to send to %s: %w", dest, err)
		}
		p.PermitKnown, p.Permitted, p.Headroom = true, ok && h > 0, h
	}
	if !privacy {
		return p, nil
	}
	t, err := s.cfg.Topology(ctx)
	if err != nil {
		return Profile{}, err
	}
	candidates, unhealthy := 0, 0
	usable := func(peer Peer) bool {
		if peer.Authority == dest {
			return false
		}
		candidates++
		if !s.usable(peer.Authority) {
			unhealthy++
			return false
		}
		return true
	}
	path := SelectRelays(t, s.cfg.PathLength, usable)
	if homes := distinctHomes(path); homes < DiversityFloor {
		return Profile{}, &DiversityError{Destination: dest, Homes: homes, Floor: DiversityFloor, Candidates: candidates, Unhealthy: unhealthy}
	}
	p.Mode, p.Path = Private, path
	return p, nil
}

// Forget drops every profile (the topology changed, say).
func (s *Selector) Forget() {
	s.mu.Lock()
	clear(s.profiles)
	s.mu.Unlock()
}
