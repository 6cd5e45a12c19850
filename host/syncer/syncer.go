package syncer

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// Syncer runs anti-entropy rounds with its peers. New makes one, Run runs
// it (one goroutine per peer and one watching network.connected_peers)
// until its context ends, SyncAll asks for a round with every peer.
type Syncer struct {
	cfg   Config
	keys  effects.Value // the keys list of every journal.merge_signed
	loops []*peerLoop
	byID  map[effects.AuthorityID]*peerLoop

	// inRound are the peer loops in a round: at most
	// Config.ConcurrentRounds at a time.
	roundMu sync.Mutex
	inRound map[*peerLoop]bool

	running atomic.Bool
	runOnce sync.Once

	stats counters
}

// New makes a syncer; Run runs it.
func New(cfg Config) (*Syncer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Syncer{cfg: cfg, byID: map[effects.AuthorityID]*peerLoop{}, inRound: map[*peerLoop]bool{}}
	keys := cfg.Keys
	for _, p := range cfg.Peers {
		keys = append(keys[:len(keys):len(keys)], p.Keys...)
		l := &peerLoop{s: s, peer: p, addr: effects.Bytes(p.Authority[:]), reqs: make(chan request, 16)}
		s.loops = append(s.loops, l)
		s.byID[p.Authority] = l
	}
	list := make([]effects.Value, 0, len(keys))
	seen := map[string]bool{}
	for _, k := range keys {
		id := string(k.Authority[:]) + string(k.Key)
		if seen[id] {
			continue
		}
		seen[id] = true
		list = append(list, effects.Map(map[string]effects.Value{
			"authority": effects.Bytes(k.Authority[:]), "key": effects.Bytes(k.Key)}))
	}
	s.keys = effects.List(list...)
	return s, nil
}

// Config is the syncer's configuration, defaults filled in.
func (s *Syncer) Config() Config { return s.cfg }

// Run runs the syncer until ctx ends, and returns after its goroutines
// have: one per peer (answering its rounds, running ours) and one noticing
// peers that (re)connect. It returns ctx's error. A Syncer runs once.
func (s *Syncer) Run(ctx context.Context) error {
	started := false
	s.runOnce.Do(func() { started = true })
	if !started {
		return errors.New("syncer: Run called twice")
	}
	s.running.Store(true)
	defer s.running.Store(false)
	var wg sync.WaitGroup
	for _, l := range s.loops {
		wg.Go(func() { l.run(ctx) })
	}
	if s.cfg.PeerCheck > 0 && len(s.loops) > 0 {
		wg.Go(func() { s.watchPeers(ctx) })
	}
	<-ctx.Done()
	wg.Wait()
	return ctx.Err()
}

// Result is how the rounds with one peer that a Sync or SyncAll asked for
// went.
type Result struct {
	Peer effects.AuthorityID
	// Rounds is how many rounds ran back to back (a round that moved
	// facts is followed by another, until the roots agree).
	Rounds int
	// Converged: the last round found both roots equal.
	Converged bool
	// Merged, Known and Refused count the facts received: new, already
	// held, refused (bad signature, or a signer not allowed for the fact's
	// authority).
	Merged, Known, Refused int64
	// Sent counts the facts sent to the peer.
	Sent int64
	// Err is why the last round failed (ErrBusy, ErrRoundTimeout, an
	// effect error), nil if it did not.
	Err error
}

// SyncAll asks for rounds with every peer at once and waits for them (or
// for ctx). Failed rounds are in the results and logged, not returned: a
// peer that is away is the normal case. Its error is ErrClosed when the
// syncer is not running, or ctx's.
func (s *Syncer) SyncAll(ctx context.Context) ([]Result, error) {
	if !s.running.Load() {
		return nil, ErrClosed
	}
	reqs := make([]request, len(s.loops))
	for i, l := range s.loops {
		reqs[i] = request{done: make(chan Result, 1)}
		if err := l.ask(ctx, reqs[i]); err != nil {
			return nil, err
		}
	}
	out := make([]Result, len(s.loops))
	for i, r := range reqs {
		select {
		case out[i] = <-r.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return out, nil
}

// Sync asks for rounds with one peer and waits for them.
func (s *Syncer) Sync(ctx context.Context, peer effects.AuthorityID) (Result, error) {
	l, ok := s.byID[peer]
	if !ok {
		return Result{}, ErrUnknownPeer
	}
	if !s.running.Load() {
		return Result{}, ErrClosed
	}
	r := request{done: make(chan Result, 1)}
	if err := l.ask(ctx, r); err != nil {
		return Result{}, err
	}
	select {
	case res := <-r.done:
		return res, nil
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// watchPeers starts a round with each peer that appears in
// network.connected_peers (every peer, the first time it is seen).
func (s *Syncer) watchPeers(ctx context.Context) {
	present := map[effects.AuthorityID]bool{}
	t := time.NewTicker(s.cfg.PeerCheck)
	defer t.Stop()
	for {
		v, err := s.cfg.Invoke(ctx, effects.NetworkConnectedPeers, effects.Map(nil))
		if err == nil {
			now := map[effects.AuthorityID]bool{}
			for _, it := range v.Items() {
				for _, l := range s.loops {
					if l.names(it) {
						now[l.peer.Authority] = true
					}
				}
			}
			for id := range now {
				if !present[id] {
					s.cfg.Logger.Debug("peer connected: syncing", "peer", id)
					_ = s.byID[id].ask(ctx, request{})
				}
			}
			present = now
		} else if ctx.Err() == nil {
			s.cfg.Logger.Debug("sync: cannot read the connected peers", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
