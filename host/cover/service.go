package cover

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/lifecycle"
)

// Service is the cover-traffic service of one agent: every Interval, on
// the agent's clock, it drains and drops the cover envelopes its peers
// sent, and — with privacy mode on — tops each peer link up to the floor
// with cover envelopes charged to the cover reserve. It is a
// lifecycle.Service and the effects.Handler of the cover family; the
// agent passes every routed call to Observe, which counts the
// application's sends.
type Service struct {
	lifecycle.Tracker
	cfg Config

	mu      sync.Mutex
	links   map[effects.AuthorityID]*link
	inbound Inbound
	started time.Time // the clock when Start ran: the first interval's start
	stop    func(context.Context) error
	ticks   int64
}

// link is what the service knows of one peer link.
type link struct {
	last    time.Time // the end of the last interval topped up
	pending int64     // application sends since then (Observe)
	topUp   TopUp
	path    *Path
	counts  LinkCounts
	limit   uint64
	spent   uint64
	// sizes are the application's last payload sizes to the peer that a
	// cover payload can take (a ring of SizeMemory; next is where the
	// next one goes).
	sizes []int
	next  int
}

// noteSize remembers an application payload size cover can take.
func (l *link) noteSize(n int) {
	if n < PayloadHeader || n > MaxPayloadBytes {
		return
	}
	if len(l.sizes) < SizeMemory {
		l.sizes = append(l.sizes, n)
		return
	}
	l.sizes[l.next] = n
	l.next = (l.next + 1) % SizeMemory
}

// LinkCounts are the counters of one peer link.
type LinkCounts struct {
	// AppSent counts the application's envelopes to the peer that the
	// router delivered to the network (every context but Context).
	AppSent int64
	// CoverSent counts the cover envelopes sent to the peer.
	CoverSent int64
	// CoverReceived counts the peer's cover envelopes accepted (and
	// dropped); Replayed, those dropped as replays on their path;
	// Refused, those the guard chain refused (a bad receipt) or that were
	// malformed or on a path not accepted (expired, too many).
	CoverReceived, Replayed, Refused int64
	// Exhausted counts cover packets owed but not sent because the reserve
	// was spent.
	Exhausted int64
}

// New makes a service; the agent starts it (Start) after its plugins.
func New(cfg Config) (*Service, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, links: map[effects.AuthorityID]*link{},
		inbound: Inbound{TTL: cfg.PathTTL}}, nil
}

// Config is the service's configuration, defaults filled in.
func (s *Service) Config() Config { return s.cfg }

// Name is the service's name.
func (s *Service) Name() string { return s.cfg.Name }

// Dependencies are the services and plugins started before it.
func (s *Service) Dependencies() []string { return s.cfg.Dependencies }

// Start reads the clock (the first interval starts now) and schedules the
// tick on the agent's clock.
func (s *Service) Start(ctx context.Context) error {
	s.Set(lifecycle.Starting, "")
	now, err := s.now(ctx)
	if err != nil {
		s.Set(lifecycle.Unhealthy, err.Error())
		return err
	}
	s.mu.Lock()
	s.started = now
	for _, p := range s.cfg.Peers { // counted from now on, before the first tick
		s.addLink(p)
	}
	s.mu.Unlock()
	stop, err := s.cfg.Schedule(s.cfg.Name, s.cfg.Interval, s.Tick)
	if err != nil {
		s.Set(lifecycle.Unhealthy, err.Error())
		return fmt.Errorf("cover: schedule the tick: %w", err)
	}
	s.mu.Lock()
	s.stop = stop
	s.mu.Unlock()
	s.Set(lifecycle.Healthy, s.offReason())
	return nil
}

// offReason is why the service sends nothing, or "".
func (s *Service) offReason() string {
	if !s.cfg.PrivacyMode {
		return "privacy mode off: sending no cover traffic"
	}
	return ""
}

// Stop stops the tick and tears the paths down.
func (s *Service) Stop(ctx context.Context) error {
	s.Set(lifecycle.Stopping, "")
	s.mu.Lock()
	stop := s.stop
	s.stop = nil
	s.mu.Unlock()
	var err error
	if stop != nil {
		err = stop(ctx)
	}
	s.mu.Lock()
	for _, l := range s.links {
		if l.path != nil {
			l.path.TearDown(l.last)
		}
	}
	s.mu.Unlock()
	s.Set(lifecycle.Stopped, "")
	return err
}

// Observe counts the application's sends: the agent passes it every call
// its router routed (host.Router.Observe). It runs on the caller's
// goroutine, so it only counts, under the service's lock, and only for
// links the service already covers (an application cannot grow its
// memory by sending to made-up destinations).
func (s *Service) Observe(call *effects.Call, _ effects.Value, err error, _ time.Duration) {
	if err != nil || call.Op != effects.NetworkSendEnvelope {
		return
	}
	env := call.Arg("envelope")
	if c, _ := env.Get("context"); bytes.Equal(bytesOf(c), Context[:]) {
		return // our own
	}
	d, _ := env.Get("destination")
	peer, ok := authorityOf(d)
	if !ok {
		return
	}
	p, _ := env.Get("payload")
	s.mu.Lock()
	if l := s.links[peer]; l != nil {
		l.pending++
		l.counts.AppSent++
		l.noteSize(len(bytesOf(p)))
	}
	s.mu.Unlock()
}

func bytesOf(v effects.Value) []byte {
	b, _ := v.AsBytes()
	return b
}

// authorityOf reads a peer's authority from an endpoint: its 16 bytes
// (simulation, and what the agent's services send to) or their lower-case
// hex (a transport's name for it).
func authorityOf(v effects.Value) (effects.AuthorityID, bool) {
	var id effects.AuthorityID
	switch v.Kind() {
	case effects.KindBytes:
		b, _ := v.AsBytes()
		if len(b) != len(id) {
			return id, false
		}
		copy(id[:], b)
	case effects.KindString:
		str, _ := v.AsString()
		b, err := hex.DecodeString(str)
		if err != nil || len(b) != len(id) {
			return id, false
		}
		copy(id[:], b)
	default:
		return id, false
	}
	return id, !id.IsZero()
}

// Tick runs one interval: read the clock and the peers, drain the peers'
// cover, and (privacy mode on) top every link up. The agent's task
// supervisor calls it every Interval; tests call it directly.
func (s *Service) Tick(ctx context.Context) error {
	now, err := s.now(ctx)
	if err != nil {
		s.Degrade(err.Error())
		return err
	}
	peers, err := s.peers(ctx)
	if err != nil {
		s.Degrade(err.Error())
		return err
	}
	s.mu.Lock()
	s.ticks++
	for _, p := range peers {
		s.addLink(p)
	}
	s.mu.Unlock()
	for _, p := range peers {
		s.drain(ctx, p, now)
	}
	if !s.cfg.PrivacyMode {
		s.markHealthy()
		return nil
	}
	var errs []error
	for _, p := range peers {
		if err := s.topUp(ctx, p, now); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		s.Degrade(err.Error())
		return nil // logged and in the health: the next interval tries again
	}
	s.markHealthy()
	return nil
}

// markHealthy marks an operational service healthy again, saying why it sends
// nothing if it does not (the health `status` shows).
func (s *Service) markHealthy() {
	if s.Health().Operational() {
		s.Set(lifecycle.Healthy, s.offReason())
	}
}

// now reads the agent's clock effect (virtual time in simulation).
func (s *Service) now(ctx context.Context) (time.Time, error) {
	v, err := s.cfg.Invoke(ctx, effects.ClockPhysicalTime, effects.Null())
	if err != nil {
		return time.Time{}, fmt.Errorf("cover: read the clock (the service needs a clock plugin): %w", err)
	}
	f, _ := v.Get("ms")
	ms, ok := f.AsInt()
	if !ok {
		return time.Time{}, fmt.Errorf("cover: %s answered %v, want {ms: int}", effects.ClockPhysicalTime, v)
	}
	return time.UnixMilli(ms).UTC(), nil
}

// peers are the links to cover, sorted: Config.Peers, and the connected
// peers (with Config.ConnectedPeers, or when Peers is empty).
func (s *Service) peers(ctx context.Context) ([]effects.AuthorityID, error) {
	out := slices.Clone(s.cfg.Peers)
	if len(out) > 0 && !s.cfg.ConnectedPeers {
		return out, nil
	}
	v, err := s.cfg.Invoke(ctx, effects.NetworkConnectedPeers, effects.Map(nil))
	if err != nil {
		return nil, fmt.Errorf("cover: read the connected peers: %w", err)
	}
	for _, it := range v.Items() {
		if id, ok := authorityOf(it); ok && id != s.cfg.Self && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.SortFunc(out, func(a, b effects.AuthorityID) int { return bytes.Compare(a[:], b[:]) })
	return out, nil
}

// addLink starts covering the link to peer, if it is not yet: its first
// interval starts when the service did. Called with mu.
func (s *Service) addLink(peer effects.AuthorityID) {
	if s.links[peer] == nil {
		s.links[peer] = &link{last: s.started, topUp: TopUp{Floor: s.cfg.FloorPPS, MaxElapsed: 4 * s.cfg.Interval}}
	}
}
