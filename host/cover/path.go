package cover

import (
	"encoding/hex"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// PathState is where a path is in its lifecycle:
//
//	building ──Establish──► established ──(TTL passes)──► expired
//	    │                        │
//	    ├──(TTL passes)──► expired
//	    └──TearDown──► torn_down ◄──TearDown──┘
//
// Expired and torn down are terminal: a path never comes back; its owner
// builds a new one (a new id, a new replay window, a new flow-budget epoch).
type PathState uint8

// The path states. The zero PathState is no path.
const (
	PathNone PathState = iota
	PathBuilding
	PathEstablished
	PathExpired
	PathTornDown
)

func (s PathState) String() string {
	switch s {
	case PathBuilding:
		return "building"
	case PathEstablished:
		return "established"
	case PathExpired:
		return "expired"
	case PathTornDown:
		return "torn_down"
	}
	return "none"
}

// Terminal reports whether the path can no longer carry messages.
func (s PathState) Terminal() bool { return s == PathExpired || s == PathTornDown }

// PathID names a path; MessageID names one message on it. Both are random
// 16-byte values drawn from the random effect (seeded in simulation).
type (
	PathID    [16]byte
	MessageID [16]byte
)

func (id PathID) String() string { return hex.EncodeToString(id[:]) }

// Defaults of the path rules (the seed's selection limits: path TTL 30 s).
const (
	DefaultPathTTL = 30 * time.Second
	// DefaultMaxWindow bounds the ids a path remembers: at the default
	// floor (2 packets/s) a 30 s path carries 60 cover messages, and an
	// application topping it up carries more, so 4096 leaves room for
	// about 136 messages/s before a sender must build a new path.
	DefaultMaxWindow = 4096
	// DefaultMaxInbound bounds the live inbound paths per peer: a peer
	// that invents a path per message fills it and is dropped until its
	// paths expire, instead of growing our memory.
	DefaultMaxInbound = 4
)

// Path is one established-path record: its lifecycle and the replay window
// of the message ids seen on it. It is a pure state machine — the caller
// passes the time (the agent's clock, virtual in simulation) — and is not
// safe for concurrent use (the service holds it under its lock).
//
// A path expires TTL after it was built, whatever state it is in: a path
// that never establishes does not linger. Its replay window is its whole
// life (every id seen since it was built is remembered, up to MaxWindow),
// so a message replayed at any time on the path is dropped, and once the
// path expires no message is accepted on it at all.
type Path struct {
	ID   PathID
	Peer effects.AuthorityID

	state     PathState
	built     time.Time
	expires   time.Time
	maxWindow int
	seen      map[MessageID]struct{}
}

// NewPath returns a path to (or from) peer, building since now, that
// expires ttl later. A ttl of 0 or less means DefaultPathTTL; a maxWindow
// of 0 or less, DefaultMaxWindow.
func NewPath(id PathID, peer effects.AuthorityID, now time.Time, ttl time.Duration, maxWindow int) *Path {
	if ttl <= 0 {
		ttl = DefaultPathTTL
	}
	if maxWindow <= 0 {
		maxWindow = DefaultMaxWindow
	}
	return &Path{ID: id, Peer: peer, state: PathBuilding, built: now, expires: now.Add(ttl),
		maxWindow: maxWindow, seen: map[MessageID]struct{}{}}
}

// State is the path's state at now: a live path whose TTL has passed is
// expired from then on.
func (p *Path) State(now time.Time) PathState {
	if !p.state.Terminal() && !now.Before(p.expires) {
		p.state = PathExpired
		p.seen = nil // nothing is accepted on an expired path: forget the ids
	}
	return p.state
}

// Expires is when the path expires.
func (p *Path) Expires() time.Time { return p.expires }

// Built is when the path was built.
func (p *Path) Built() time.Time { return p.built }

// Establish moves a building path to established. Establishing an
// established path is a no-op; a terminal one, its error.
func (p *Path) Establish(now time.Time) error {
	switch p.State(now) {
	case PathBuilding:
		p.state = PathEstablished
		return nil
	case PathEstablished:
		return nil
	}
	return p.terminalErr()
}

// TearDown ends the path for good (a failed send, a peer gone, the
// service stopping). Tearing down a terminal path changes nothing.
func (p *Path) TearDown(now time.Time) {
	if !p.State(now).Terminal() {
		p.state = PathTornDown
		p.seen = nil
	}
}

// Admit accepts one message id on the path at now, or says why it is
// dropped: the path is not established (ErrPathNotEstablished,
// ErrPathExpired, ErrPathTornDown), the id was seen before on it
// (ErrReplay), or its window is full (ErrWindowFull).
func (p *Path) Admit(id MessageID, now time.Time) error {
	switch p.State(now) {
	case PathEstablished:
	case PathBuilding:
		return ErrPathNotEstablished
	default:
		return p.terminalErr()
	}
	if _, dup := p.seen[id]; dup {
		return ErrReplay
	}
	if len(p.seen) >= p.maxWindow {
		return ErrWindowFull
	}
	p.seen[id] = struct{}{}
	return nil
}

func (p *Path) terminalErr() error {
	if p.state == PathTornDown {
		return ErrPathTornDown
	}
	return ErrPathExpired
}

// Inbound is the receiving side's table of paths: per peer, the paths its
// messages arrived on. A message on a path id not seen before opens an
// inbound path, established at once (the receiver has nothing to confirm)
// and expiring TTL later by the receiver's clock; at most MaxPerPeer live
// paths per peer, so a peer that invents a path per message is dropped
// rather than remembered (at most 2 × MaxPerPeer paths per peer are kept:
// the live ones and those expired less than a TTL ago). A replay of a
// message on a path forgotten since (more than two TTLs old) is not caught
// here: the guard chain's receipt check refuses it first (its nonce is
// behind the chain, or its epoch is over). Pure, like Path, and not safe
// for concurrent use.
type Inbound struct {
	TTL        time.Duration
	MaxWindow  int
	MaxPerPeer int
	byPeer     map[effects.AuthorityID]map[PathID]*Path
}

// Admit accepts the message id on the peer's path at now, opening the path
// if it is new, or says why the message is dropped (Path.Admit's errors,
// and ErrTooManyPaths).
func (in *Inbound) Admit(peer effects.AuthorityID, path PathID, id MessageID, now time.Time) error {
	if in.byPeer == nil {
		in.byPeer = map[effects.AuthorityID]map[PathID]*Path{}
	}
	paths := in.byPeer[peer]
	if paths == nil {
		paths = map[PathID]*Path{}
		in.byPeer[peer] = paths
	}
	p, ok := paths[path]
	if !ok {
		in.prune(paths, now)
		limit := in.MaxPerPeer
		if limit <= 0 {
			limit = DefaultMaxInbound
		}
		if in.Live(peer, now) >= limit {
			return ErrTooManyPaths
		}
		p = NewPath(path, peer, now, in.TTL, in.MaxWindow)
		_ = p.Establish(now)
		paths[path] = p
	}
	return p.Admit(id, now)
}

// prune forgets the peer's paths that expired more than a TTL ago: until
// then an expired path is kept, so that a message replayed on it is still
// recognised (and dropped as expired) rather than opening it afresh.
func (in *Inbound) prune(paths map[PathID]*Path, now time.Time) {
	ttl := in.TTL
	if ttl <= 0 {
		ttl = DefaultPathTTL
	}
	for id, p := range paths {
		if p.State(now).Terminal() && !now.Before(p.Expires().Add(ttl)) {
			delete(paths, id)
		}
	}
}

// Live counts the peer's inbound paths that are not terminal at now.
func (in *Inbound) Live(peer effects.AuthorityID, now time.Time) int {
	n := 0
	for _, p := range in.byPeer[peer] {
		if !p.State(now).Terminal() {
			n++
		}
	}
	return n
}
