package syncer

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
)

// Context is the relational context every sync envelope is sent in.
var Context = effects.DeriveContextID("aura-sync/v1", 0)

// The journal operations a syncer calls (served by the journal plugin).
const (
	OpSyncRoot    = effects.JournalSyncRoot
	OpSyncDigest  = effects.JournalSyncDigest
	OpSyncMissing = effects.JournalSyncMissing
	OpMergeSigned = effects.JournalMergeSigned
)

// Defaults of Config.
const (
	DefaultInterval        = 30 * time.Second
	DefaultRoundTimeout    = 10 * time.Second
	DefaultPollMin         = 2 * time.Millisecond
	DefaultPollMax         = 50 * time.Millisecond
	DefaultPeerCheck       = time.Second
	DefaultMaxRoundBytes   = 8 << 20
	DefaultMaxRepeatRounds = 8
	// DefaultConcurrentRounds: three devices healing converged in
	// 6.9–11.0 s with 2 and 9.1–11.5 s with 1 (same build, six runs each,
	// load 6–17 on two shared cores), receiving 1.00–1.10 × the missing
	// facts' bytes with 2 (1.00 × with 1; compressed, 0.33–0.37 × either
	// way); see Config.ConcurrentRounds.
	DefaultConcurrentRounds = 2
)

// PageBytes bounds a digest part's share of the Bloom filter, and is what
// a page of facts aims at compressed: under the network family's 64 KiB
// payload, leaving room for the message's own fields.
const PageBytes = 60 << 10

// MaxPayload is the largest payload a syncer sends: the guard chain's
// limit on an envelope's payload (64 KiB).
const MaxPayload = 64 << 10

// MaxPageFacts bounds the facts of one page, well under what one
// journal.merge_signed takes (10k).
const MaxPageFacts = 2000

// MergeBatch is the most facts received that are merged in one
// journal.merge_signed (one journal transaction); the journal takes 10k.
const MergeBatch = 4000

// MaxDigestParts bounds the parts of one digest (a Bloom filter of up to
// MaxDigestParts × PageBytes bytes, 4.2 MiB: room for the largest digest
// the journal makes, 4 MiB).
const MaxDigestParts = 72

// Invoker routes one call as the agent: agent.Agent.Invoke.
type Invoker func(ctx context.Context, op effects.OpID, args effects.Value) (effects.Value, error)

// Key is an Ed25519 public key allowed to sign facts of an authority.
type Key struct {
	Authority effects.AuthorityID
	Key       ed25519.PublicKey
}

// Peer is one syncer to sync with: a device of the same authority, or a
// guardian.
type Peer struct {
	// Authority is the peer's authority: the destination and source of the
	// envelopes exchanged with it (the transport names the peer by its
	// lower-case hex). Required.
	Authority effects.AuthorityID
	// Keys are the keys allowed to sign facts that this peer writes —
	// typically its device key for its own authority. They are added to
	// Config.Keys for every merge, whichever peer a fact comes from: a fact
	// relayed by a third device is checked against its writer's key.
	Keys []Key
}

// Config configures a Syncer.
type Config struct {
	// Self is the syncer's own authority: the source of its envelopes.
	// Required.
	Self effects.AuthorityID

	// Invoke routes every call: the agent's Invoke, so that each envelope
	// passes its guard chain (receipts, flow budgets) and each journal
	// call its router. Required.
	Invoke Invoker

	// Peers are the syncers to sync with. Each gets one goroutine for as
	// long as Run runs. A peer listed twice, or Self as a peer, is an
	// error.
	Peers []Peer

	// Keys are the keys allowed to sign facts, per authority, besides the
	// peers' own: typically the agent's own device key for its authority,
	// and the keys of other devices of the authority. A fact whose signer
	// is not a key given for the fact's authority is refused, logged and
	// counted.
	Keys []Key

	// Interval is how often the agent's task supervisor runs SyncAll
	// (host/agent reads it; the Syncer itself does not). Default
	// DefaultInterval.
	Interval time.Duration

	// RoundTimeout is how long a round may go without a message sent or
	// received (a send's retries included) before it is abandoned
	// (ErrRoundTimeout); a round that keeps moving pages keeps going.
	// It counts the peer's silence only: it starts again when this side
	// has finished acting on a message (a merge, finding and sending its
	// facts), however long its journal took. Default DefaultRoundTimeout.
	RoundTimeout time.Duration

	// PollMin and PollMax bound the wait between two polls of a peer's
	// empty inbox: it starts at PollMin after any traffic and doubles up
	// to PollMax. Defaults DefaultPollMin and DefaultPollMax.
	PollMin, PollMax time.Duration

	// PeerCheck is how often network.connected_peers is read to notice a
	// peer that (re)appears, which starts a round with it at once.
	// Default DefaultPeerCheck; negative disables it.
	PeerCheck time.Duration

	// MaxRoundBytes is the max_bytes of one journal.sync_missing: the
	// most a side ships in one round; the rest follows in the next round,
	// which the initiator starts at once. Default DefaultMaxRoundBytes:
	// 8 MiB, about 34k facts of 250 bytes, so that two devices' worth of
	// a partition's writes go in one round; the facts are held as their
	// encodings (about their size in memory) while they are sent.
	MaxRoundBytes int64

	// ConcurrentRounds is how many rounds, each with a different peer, a
	// syncer takes part in at once. Default DefaultConcurrentRounds (2).
	// With 1 no fact is shipped to a peer that another peer is shipping
	// it at the same time; more overlaps the rounds (faster when the
	// journal's merges, not the network, are the bottleneck) at the price
	// of such duplicates.
	ConcurrentRounds int

	// MaxRepeatRounds bounds the rounds SyncAll runs back to back with a
	// peer while they keep moving facts. Default DefaultMaxRepeatRounds.
	MaxRepeatRounds int

	// RestartChain, when set, starts a new receipt chain for the envelopes
	// sent to peer in Context: the guard chain's receipts assume lossless,
	// in-order delivery, so one envelope lost (a failed send, or frames
	// lost with a connection) leaves the peer refusing every later one.
	// The syncer calls it before its next send to a peer after a send to it
	// failed, after a round with it failed, and when the peer says it
	// refused an envelope. host/agent rotates the flow-budget epoch of
	// (Context, peer) — the guard chain's only restart, which also resets
	// what the budget has spent. Default: none (a lost envelope breaks the
	// chain until something else rotates the epoch).
	RestartChain func(ctx context.Context, peer effects.AuthorityID) error

	// Logger logs refused facts (at warn, with the peer and the reason),
	// malformed messages and failed rounds. Default: none.
	Logger hclog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.Self.IsZero() {
		return c, fmt.Errorf("syncer: Config.Self is required")
	}
	if c.Invoke == nil {
		return c, fmt.Errorf("syncer: Config.Invoke is required")
	}
	seen := map[effects.AuthorityID]bool{}
	for _, p := range c.Peers {
		switch {
		case p.Authority.IsZero():
			return c, fmt.Errorf("syncer: a peer has no authority")
		case p.Authority == c.Self:
			return c, fmt.Errorf("syncer: %s is the syncer itself, not a peer", p.Authority)
		case seen[p.Authority]:
			return c, fmt.Errorf("syncer: peer %s is listed twice", p.Authority)
		}
		seen[p.Authority] = true
		for _, k := range p.Keys {
			if len(k.Key) != ed25519.PublicKeySize {
				return c, fmt.Errorf("syncer: peer %s: a key of %s is %d bytes, want %d", p.Authority, k.Authority, len(k.Key), ed25519.PublicKeySize)
			}
		}
	}
	for _, k := range c.Keys {
		if len(k.Key) != ed25519.PublicKeySize {
			return c, fmt.Errorf("syncer: a key of %s is %d bytes, want %d", k.Authority, len(k.Key), ed25519.PublicKeySize)
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.Interval, DefaultInterval)
	def(&c.RoundTimeout, DefaultRoundTimeout)
	def(&c.PollMin, DefaultPollMin)
	def(&c.PollMax, DefaultPollMax)
	def(&c.PeerCheck, DefaultPeerCheck)
	if c.PollMax < c.PollMin {
		c.PollMax = c.PollMin
	}
	if c.MaxRoundBytes <= 0 {
		c.MaxRoundBytes = DefaultMaxRoundBytes
	}
	if c.ConcurrentRounds <= 0 {
		c.ConcurrentRounds = DefaultConcurrentRounds
	}
	if c.MaxRepeatRounds <= 0 {
		c.MaxRepeatRounds = DefaultMaxRepeatRounds
	}
	if c.Logger == nil {
		c.Logger = hclog.NewNullLogger()
	}
	return c, nil
}
