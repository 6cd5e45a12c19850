package cover

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/guard"
)

// Context is the relational context every cover envelope is sent in: its
// own flow budget per peer (the reserve), its own receipt chain, and what
// the receiving service drains and drops.
var Context = effects.DeriveContextID("aura-cover/v1", 0)

// Defaults of Config.
const (
	DefaultName     = "cover"
	DefaultFloorPPS = 2
	// DefaultInterval is the time between two top-ups of every link: with
	// the default floor, one cover packet per interval on a silent link.
	DefaultInterval = 500 * time.Millisecond
	// DefaultMaxDrain bounds the cover envelopes taken from one peer in one
	// interval; the rest wait for the next.
	DefaultMaxDrain = 64
)

// Invoker routes one call as the agent: agent.Agent.Invoke (its router,
// its guard chain).
type Invoker func(ctx context.Context, op effects.OpID, args effects.Value) (effects.Value, error)

// Budget is the cover reserve: the flow budget of (Context, peer) in the
// agent's guard chain, which only the cover service can spend (the agent
// reserves the context for it) and which is separate from every budget of
// the application.
type Budget interface {
	// Renew sets the budget of (Context, peer) to limit and moves it to a
	// new epoch: nothing spent, and a new receipt chain, which the peer
	// accepts whatever it missed of the old one. The service renews it
	// with every new path (once per path TTL).
	Renew(ctx context.Context, peer effects.AuthorityID, limit uint64) error
	// Get returns the budget's limit and what it has spent.
	Get(ctx context.Context, peer effects.AuthorityID) (limit, spent uint64, err error)
}

// Scheduler runs tick every interval on the agent's clock (its task
// supervisor: virtual time in simulation) until stop is called; stop
// returns once tick no longer runs.
type Scheduler func(name string, interval time.Duration, tick func(context.Context) error) (stop func(context.Context) error, err error)

// Config configures a Service.
type Config struct {
	// Name is the service's name (the HCL block's label). Default
	// DefaultName.
	Name string
	// Dependencies are the services or plugins to start first: the network
	// and clock plugins, typically.
	Dependencies []string

	// Self is the agent's authority, the source of its cover envelopes.
	// Required.
	Self effects.AuthorityID
	// Invoke routes every call through the agent's router. Required.
	Invoke Invoker
	// Schedule runs the service's tick (the agent's task supervisor).
	// Required.
	Schedule Scheduler
	// Budget is the cover reserve. Required when PrivacyMode is on.
	Budget Budget
	// Mark marks a context as the cover service's own, so that the agent's
	// guard chain lets its sends spend the reserved context; the agent
	// refuses a send in Context from anyone else. Nil marks nothing (the
	// service's tests).
	Mark func(context.Context) context.Context

	// PrivacyMode turns cover traffic on. Off, the service runs — it
	// still drains and drops cover envelopes its peers send — but sends
	// nothing, and its status says so.
	PrivacyMode bool
	// FloorPPS is the packets per second each peer link carries at least,
	// application traffic included. 0 means DefaultFloorPPS.
	FloorPPS int
	// Interval is the time between two top-ups. Default DefaultInterval.
	Interval time.Duration
	// PathTTL is the lifetime of a path; each new path renews the reserve.
	// Default DefaultPathTTL.
	PathTTL time.Duration
	// PayloadBytes is the size of a cover payload while the application
	// has sent the peer no payload of a size cover can take (or always,
	// with FixedSize), between PayloadHeader and MaxPayloadBytes. Default
	// DefaultPayloadBytes.
	PayloadBytes int
	// FixedSize sends every cover payload at PayloadBytes. Off (the
	// default), a cover payload takes the size of one of the application's
	// last SizeMemory payloads to the peer that lie between PayloadHeader
	// and MaxPayloadBytes, drawn at random: cover then looks like the
	// application's small envelopes on that link, size for size.
	FixedSize bool
	// Reserve is the flow-budget limit of the cover context per peer and
	// path (per PathTTL). Default: twice what the floor needs, 2 ×
	// FloorPPS × the cost of a payload × PathTTL in seconds.
	Reserve uint64
	// MaxDrain bounds the cover envelopes taken from a peer per tick.
	// Default DefaultMaxDrain.
	MaxDrain int
	// Peers are the links to cover: these, and with ConnectedPeers (or
	// when Peers is empty) the network's connected peers
	// (network.connected_peers), read every tick.
	Peers []effects.AuthorityID
	// ConnectedPeers adds the network's connected peers to Peers.
	ConnectedPeers bool

	// Logger logs failed sends and dropped envelopes. Default: none.
	Logger hclog.Logger
}

// WithDefaults checks cfg and fills in its defaults; a bad value is an
// error saying which and what to use.
func (c Config) WithDefaults() (Config, error) {
	switch {
	case c.Self.IsZero():
		return c, fmt.Errorf("cover: Config.Self is required")
	case c.Invoke == nil:
		return c, fmt.Errorf("cover: Config.Invoke is required")
	case c.Schedule == nil:
		return c, fmt.Errorf("cover: Config.Schedule is required")
	case c.PrivacyMode && c.Budget == nil:
		return c, fmt.Errorf("cover: Config.Budget is required with privacy mode on (the reserve cover traffic is charged to)")
	case c.FloorPPS < 0:
		return c, fmt.Errorf("cover: floor_pps is %d: use 1 or more packets per second (privacy_mode = false turns cover traffic off)", c.FloorPPS)
	case c.Interval < 0 || c.PathTTL < 0:
		return c, fmt.Errorf("cover: interval and path TTL must not be negative")
	case c.PayloadBytes != 0 && (c.PayloadBytes < PayloadHeader || c.PayloadBytes > MaxPayloadBytes):
		return c, fmt.Errorf("cover: payload_bytes is %d: use %d to %d", c.PayloadBytes, PayloadHeader, MaxPayloadBytes)
	}
	for _, p := range c.Peers {
		if p == c.Self || p.IsZero() {
			return c, fmt.Errorf("cover: peer %s is not another authority", p)
		}
	}
	if c.Name == "" {
		c.Name = DefaultName
	}
	if c.FloorPPS == 0 {
		c.FloorPPS = DefaultFloorPPS
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.PathTTL == 0 {
		c.PathTTL = DefaultPathTTL
	}
	if c.PayloadBytes == 0 {
		c.PayloadBytes = DefaultPayloadBytes
	}
	if c.Reserve == 0 {
		secs := uint64((c.PathTTL + time.Second - 1) / time.Second)
		c.Reserve = 2 * uint64(c.FloorPPS) * guard.SendCost(c.PayloadBytes) * secs
	}
	if c.MaxDrain <= 0 {
		c.MaxDrain = DefaultMaxDrain
	}
	if c.Logger == nil {
		c.Logger = hclog.NewNullLogger()
	}
	return c, nil
}
