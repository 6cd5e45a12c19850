package holds

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
)

// Context is the relational context of every hold envelope.
var Context = effects.DeriveContextID("aura-hold/v1", 0)

// Defaults of Config (the seed's hold limits).
const (
	DefaultHolders         = 3
	DefaultCapabilityTTL   = 30 * time.Second
	DefaultRetention       = 120 * time.Second
	DefaultGCInterval      = 10 * time.Second
	DefaultPollInterval    = 100 * time.Millisecond
	DefaultMaxPerDepositor = 16
	DefaultMaxHeld         = 256
	DefaultQueueLimit      = 64
	DefaultReplayWindow    = 120 * time.Second
	DefaultReplayLimit     = 1024
	DefaultMaxReceived     = 256
	DefaultSendTimeout     = 3 * time.Second
	DefaultMinBackoff      = 250 * time.Millisecond
	DefaultMaxBackoff      = 10 * time.Second
)

// MaxPayload bounds a deposited payload: a sealed envelope, in a message,
// fits one network envelope (64 KiB) with room to spare.
const MaxPayload = 16 << 10

// Invoker routes one call as the agent: agent.Agent.Invoke.
type Invoker func(ctx context.Context, op effects.OpID, args effects.Value) (effects.Value, error)

// Config configures a Service.
type Config struct {
	// Name is the service's name (the block's label). Default "holds".
	Name string
	// Self is the agent's authority. Required.
	Self effects.AuthorityID
	// Invoke routes every call through the agent's router and guard
	// chain. Required.
	Invoke Invoker
	// Peers are the authorities the service exchanges hold messages with:
	// candidate holders, depositors and recipients. Self is ignored.
	Peers []effects.AuthorityID
	// Dependencies name what must start first (plugins: the storage, the
	// network, the clock). Default none.
	Dependencies []string
	// Holders is how many holders a deposit goes to. Default 3.
	Holders int
	// CapabilityTTL is a retrieval capability's lifetime; the recipient
	// asks for a fresh one at half of it. Default 30 s.
	CapabilityTTL time.Duration
	// Retention is how long a deposit is kept (by its holders and in its
	// depositor's records). Default 120 s.
	Retention time.Duration
	// GCInterval and PollInterval are the periods of the agent's tasks
	// running GC and Pump (host/agent reads them). Defaults 10 s, 100 ms.
	GCInterval, PollInterval time.Duration
	// MaxPerDepositor and MaxHeld bound what this agent holds for others:
	// per depositor and in all. Defaults 16 and 256.
	MaxPerDepositor, MaxHeld int
	// QueueLimit bounds each peer's outbound movement queue. Default 64.
	QueueLimit int
	// ReplayWindow is how long a received message id is remembered (and
	// how old a message may be); ReplayLimit bounds the ids remembered per
	// peer. Defaults 120 s and 1024.
	ReplayWindow time.Duration
	ReplayLimit  int
	// MaxReceived bounds the envelopes a recipient keeps. Default 256.
	MaxReceived int
	// SendTimeout bounds one send (a dial to a peer that is away); after a
	// failed send the peer is skipped for a backoff doubling from
	// MinBackoff to MaxBackoff, on the agent's clock. Defaults 3 s,
	// 250 ms, 10 s.
	SendTimeout, MinBackoff, MaxBackoff time.Duration
	// RestartChain, when set, starts a new receipt chain to peer in
	// Context after an envelope to it may have been lost (as
	// syncer.Config.RestartChain).
	RestartChain func(ctx context.Context, peer effects.AuthorityID) error
	// Logger logs refusals and failed sends. Default none.
	Logger hclog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.Self.IsZero() {
		return c, fmt.Errorf("holds: Config.Self is required")
	}
	if c.Invoke == nil {
		return c, fmt.Errorf("holds: Config.Invoke is required")
	}
	if c.Name == "" {
		c.Name = "holds"
	}
	var peers []effects.AuthorityID
	seen := map[effects.AuthorityID]bool{c.Self: true}
	for _, p := range c.Peers {
		if p.IsZero() {
			return c, fmt.Errorf("holds: a peer has no authority")
		}
		if !seen[p] {
			seen[p] = true
			peers = append(peers, p)
		}
	}
	c.Peers = peers
	defInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defInt(&c.Holders, DefaultHolders)
	defInt(&c.MaxPerDepositor, DefaultMaxPerDepositor)
	defInt(&c.MaxHeld, DefaultMaxHeld)
	defInt(&c.QueueLimit, DefaultQueueLimit)
	defInt(&c.ReplayLimit, DefaultReplayLimit)
	defInt(&c.MaxReceived, DefaultMaxReceived)
	defDur(&c.CapabilityTTL, DefaultCapabilityTTL)
	defDur(&c.Retention, DefaultRetention)
	defDur(&c.GCInterval, DefaultGCInterval)
	defDur(&c.PollInterval, DefaultPollInterval)
	defDur(&c.ReplayWindow, DefaultReplayWindow)
	defDur(&c.SendTimeout, DefaultSendTimeout)
	defDur(&c.MinBackoff, DefaultMinBackoff)
	defDur(&c.MaxBackoff, DefaultMaxBackoff)
	if c.CapabilityTTL < 2*time.Millisecond {
		return c, fmt.Errorf("holds: a capability TTL of %v is too short to rotate at half of it: give at least 2ms", c.CapabilityTTL)
	}
	if c.Logger == nil {
		c.Logger = hclog.NewNullLogger()
	}
	return c, nil
}
