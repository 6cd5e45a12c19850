package agent

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"
	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/host/syncer"
)

// SyncConfig turns on an agent's anti-entropy sync service (host/syncer):
// its journal's signed facts converge with those of the peers named here,
// over the deployment's network plugin (the transport in production), every
// envelope through the agent's guard chain.
//
// The deployment must give the agent what the service uses: a journal that
// serves journal.sync_* and journal.merge_signed, a network plugin whose
// peers include every peer below (named by the hex of its authority, as
// host/sim names them), a clock (the periodic rounds sleep on it), a
// capability for network.send_envelope, a flow budget large enough for
// what the rounds ship (each envelope costs 1 + its payload in KiB), and
// each peer's device key in Config.PeerKeys (to check the receipts of what
// it sends).
type SyncConfig struct {
	// Peers are the devices of the authority and its guardians to sync
	// with: each by authority, with the keys allowed to sign the facts it
	// writes (usually its device key for its authority).
	Peers []syncer.Peer

	// Keys are further keys allowed to sign facts, per authority (other
	// devices of the authority reached only through a peer, say). The
	// agent's own device key for its own authority is always allowed.
	// A fact whose signer is not allowed for its authority is refused and
	// logged, whichever peer offers it.
	Keys []syncer.Key

	// Interval is the time between two periodic rounds with every peer,
	// on the agent's clock. A peer that (re)appears in
	// network.connected_peers gets a round at once, whatever the
	// interval. Default syncer.DefaultInterval (30 s).
	Interval time.Duration

	// RoundTimeout abandons a round that sent and received nothing for
	// that long (retried sends included), not counting the time the
	// agent itself spent acting on the peer's messages (merging, finding
	// its own facts). Default syncer.DefaultRoundTimeout (10 s).
	RoundTimeout time.Duration

	// MaxRoundBytes bounds the facts one side ships in one round (the
	// rest follows in the next, at once). Default
	// syncer.DefaultMaxRoundBytes (8 MiB).
	MaxRoundBytes int64

	// PeerCheck is how often network.connected_peers is read to notice a
	// reconnected peer. Default syncer.DefaultPeerCheck (1 s); negative
	// turns it off.
	PeerCheck time.Duration

	// ConcurrentRounds is how many rounds, each with another peer, run at
	// once (syncer.Config.ConcurrentRounds). Default
	// syncer.DefaultConcurrentRounds (2); 1 ships no fact twice at the
	// same time.
	ConcurrentRounds int

	// PollMin and PollMax bound the wait between two polls of a quiet
	// peer's inbox (the network's receive never blocks). Defaults
	// syncer.DefaultPollMin and syncer.DefaultPollMax.
	PollMin, PollMax time.Duration
}

// Task names of the sync service under the agent's task supervisor.
const (
	SyncTask       = "sync"        // the syncer: one goroutine per peer, and the reconnect watch
	SyncRoundsTask = "sync-rounds" // the periodic rounds with every peer
)

// startSync makes the agent's syncer and runs it under its task
// supervisor: the syncer itself (SyncTask), and SyncAll every interval
// (SyncRoundsTask).
func (a *Agent) startSync(cfg *SyncConfig, logger hclog.Logger) error {
	own := syncer.Key{Authority: a.AuthorityID(), Key: a.PublicKey()}
	s, err := syncer.New(syncer.Config{
		Self: a.AuthorityID(), Invoke: a.Invoke, Peers: cfg.Peers, Keys: append([]syncer.Key{own}, cfg.Keys...),
		Interval: cfg.Interval, RoundTimeout: cfg.RoundTimeout, MaxRoundBytes: cfg.MaxRoundBytes,
		PeerCheck: cfg.PeerCheck, PollMin: cfg.PollMin, PollMax: cfg.PollMax, Logger: logger.Named("sync"),
		RestartChain: a.restartSyncChain, ConcurrentRounds: cfg.ConcurrentRounds,
	})
	if err != nil {
		return err
	}
	a.syncer = s
	if err := a.tasks.Go(SyncTask, s.Run); err != nil {
		return err
	}
	return a.tasks.Every(SyncRoundsTask, s.Config().Interval, func(ctx context.Context) error {
		_, err := s.SyncAll(ctx)
		return err
	})
}

// restartSyncChain starts a new receipt chain for the sync envelopes to
// peer, after one may have been lost: the budget of (sync context, peer)
// moves to its next epoch, whose first receipt links to nothing, so the
// peer accepts it whatever it missed. Rotation also resets what the budget
// has spent; the limit still bounds what is sent between two losses. A
// budget never used has no chain to restart.
func (a *Agent) restartSyncChain(ctx context.Context, peer effects.AuthorityID) error {
	key := guard.BudgetKey{Context: syncer.Context, Peer: peer}
	b, ok, err := a.host.Router().FlowBudgets().Get(ctx, key)
	if err != nil || !ok {
		return err
	}
	_, err = a.host.Router().FlowBudgets().Rotate(ctx, key, b.Epoch+1)
	return err
}

// Sync is the agent's sync service, nil unless Config.Sync turned it on:
// SyncAll or Sync for a round now, Stats for what it moved.
func (a *Agent) Sync() *syncer.Syncer { return a.syncer }

// errNoKey: an agent without a device key cannot sign facts.
var errNoKey = errors.New("agent: no device key")

// AppendSigned signs each fact (a map) with the agent's device key —
// signer and signature fields, as the journal's merge_signed checks them
// (syncer.SignFact) — and appends them to the agent's journal: one fact
// with journal.append_fact, several in one journal.merge_facts
// transaction. It returns the IDs of the signed facts, in order. These
// are the facts the sync service ships to the agent's peers.
func (a *Agent) AppendSigned(ctx context.Context, facts ...effects.Value) ([]facade.FactID, error) {
	key := ed25519.PrivateKey(a.signer)
	if len(key) != ed25519.PrivateKeySize {
		return nil, errNoKey
	}
	signed := make([]effects.Value, len(facts))
	ids := make([]facade.FactID, len(facts))
	for i, f := range facts {
		s, err := syncer.SignFact(key, f)
		if err != nil {
			return nil, fmt.Errorf("agent: fact %d: %w", i, err)
		}
		signed[i], ids[i] = s, blake3.Sum256(s.Canonical())
	}
	var err error
	switch len(signed) {
	case 0:
	case 1:
		_, err = a.Invoke(ctx, effects.JournalAppendFact, effects.Map(map[string]effects.Value{"fact": signed[0]}))
	default:
		_, err = a.Invoke(ctx, effects.JournalMergeFacts, effects.Map(map[string]effects.Value{"facts": effects.List(signed...)}))
	}
	if err != nil {
		return nil, err
	}
	return ids, nil
}
