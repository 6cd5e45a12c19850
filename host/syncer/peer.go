package syncer

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// roundPoll bounds the wait between two polls of the inbox during a round.
const roundPoll = 5 * time.Millisecond

// request asks a peer loop for rounds; done, if not nil, gets the result.
type request struct{ done chan Result }

// peerLoop is the one goroutine that talks to one peer: the only reader of
// the peer's envelopes in the sync context, answering its rounds and
// running ours.
type peerLoop struct {
	s    *Syncer
	peer Peer
	addr effects.Value // the peer's authority as envelopes name it
	reqs chan request

	// Owned by the loop's goroutine:
	waiting []request // asked for after the current sequence began
	seq     *sequence // the rounds we are running for requests, if any
	round   *round    // the round in progress with the peer, either role
	// suspect: an envelope to the peer may have been lost, so the next
	// send restarts the receipt chain first (Config.RestartChain).
	suspect bool
	// lastRestart is when the chain to the peer was last restarted.
	lastRestart time.Time
	// askedRestart is when we last asked the peer to restart its chain.
	askedRestart time.Time
}

// sequence is the rounds run back to back for the requests it answers.
type sequence struct {
	waiters []request
	started time.Time
	retryAt time.Time
	res     Result
}

// round is one round with the peer.
// maxRoundRatio bounds a round's whole length, in RoundTimeouts: a round
// that keeps exchanging messages still ends (and frees its slot) by then;
// its facts are merged, and the next round ships what is left.
const maxRoundRatio = 30

type round struct {
	id        uint64
	initiator bool
	started   time.Time
	deadline  time.Time     // pushed back by every message of the round
	same      bool          // the roots agreed
	sentLast  bool          // we sent our last fact page
	gotLast   bool          // we received the peer's last fact page
	more      bool          // either side left facts for another round
	moved     bool          // new facts went either way: we merged some, or the peer said it did
	took      int64         // facts of the peer's we merged this round
	sent      int64         // facts we sent this round
	pending   []pendingPage // pages received, not merged yet
	pendingN  int           // their facts

	parts [][]byte // the peer's digest, part by part
	got   int
	salt  int64
	reply bool
}

// pendingPage is a page of facts received: the canonical encoding of
// their list, and how many there are.
type pendingPage struct {
	raw []byte
	n   int
}

// names reports whether a connected_peers entry is this peer: the hex of
// its authority (a transport's name for it) or its bytes (simulation).
func (l *peerLoop) names(v effects.Value) bool {
	switch v.Kind() {
	case effects.KindString:
		s, _ := v.AsString()
		return s == hex.EncodeToString(l.peer.Authority[:])
	case effects.KindBytes:
		return v.BytesString() == string(l.peer.Authority[:])
	}
	return false
}

func (l *peerLoop) ask(ctx context.Context, r request) error {
	select {
	case l.reqs <- r:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *peerLoop) run(ctx context.Context) {
	cfg := &l.s.cfg
	wait := cfg.PollMin
	timer := time.NewTimer(0)
	defer timer.Stop()
	defer l.abandon(context.Cause(ctx))
	for ctx.Err() == nil {
		l.take()
		now := time.Now()
		if l.round != nil && (now.After(l.round.deadline) || now.Sub(l.round.started) > maxRoundRatio*l.s.cfg.RoundTimeout) {
			l.endRound(ErrRoundTimeout)
		}
		if l.round == nil && (l.seq != nil || len(l.waiting) > 0) {
			l.startRound(ctx)
		}
		env, ok, err := l.receive(ctx)
		if errors.Is(err, effects.ErrDenied) {
			// The guard chain refused an envelope (its receipt does not
			// follow the last one accepted: an envelope before it was
			// lost). It is consumed; the peer is asked to restart its
			// chain, once in a while.
			l.drop("envelope refused by the guard chain", err)
			if time.Since(l.askedRestart) > cfg.PollMax {
				l.askedRestart = time.Now()
				_ = l.send(ctx, message{Kind: kindRestart})
			}
			continue
		} else if err != nil && ctx.Err() == nil {
			cfg.Logger.Debug("sync: receive failed", "peer", l.peer.Authority, "error", err)
		}
		if ok {
			l.handle(ctx, env)
			wait = cfg.PollMin
			continue
		}
		l.flush(ctx) // the inbox is dry: merge what came
		d := wait
		if l.round != nil {
			// In a round the peer's next message is due: a long wait
			// would add to every step of the round.
			d = min(d, roundPoll)
		}
		if l.round == nil && l.seq != nil {
			d = min(d, max(time.Until(l.seq.retryAt), 0))
		}
		timer.Reset(d)
		select {
		case <-ctx.Done():
		case r := <-l.reqs:
			l.waiting = append(l.waiting, r)
		case <-timer.C:
			wait = min(2*wait, cfg.PollMax)
		}
	}
}

// take moves the requests that arrived into waiting.
func (l *peerLoop) take() {
	for {
		select {
		case r := <-l.reqs:
			l.waiting = append(l.waiting, r)
		default:
			return
		}
	}
}

// abandon answers every waiting request when the loop ends.
func (l *peerLoop) abandon(err error) {
	if l.round != nil {
		l.endRound(err)
	}
	if l.seq != nil {
		l.finish(err)
	}
	l.take()
	for _, r := range l.waiting {
		reply(r, Result{Peer: l.peer.Authority, Err: err})
	}
	l.waiting = nil
}

func reply(r request, res Result) {
	if r.done != nil {
		select {
		case r.done <- res:
		default:
		}
	}
}

// startRound starts a round for the current sequence (or a new one for the
// waiting requests), unless another peer holds the syncer: then it tries
// again shortly, until the sequence's time is up.
func (l *peerLoop) startRound(ctx context.Context) {
	now := time.Now()
	if l.seq == nil {
		l.seq = &sequence{waiters: l.waiting, started: now, res: Result{Peer: l.peer.Authority}}
		l.waiting = nil
	}
	if now.Before(l.seq.retryAt) {
		return
	}
	if !l.acquire() {
		l.retryOrFinish(ErrBusy)
		return
	}
	rd := &round{id: rand.Uint64(), initiator: true, started: now, deadline: now.Add(l.s.cfg.RoundTimeout)}
	l.round = rd
	root, count, err := l.root(ctx)
	if err == nil {
		err = l.send(ctx, message{Kind: kindRoot, Round: rd.id, Root: root, Count: count})
	}
	if err != nil {
		l.endRound(err)
	}
}

// retryOrFinish schedules the sequence's next try after a short random
// pause (so that two busy syncers do not retry in step), or ends it with
// err once its time is up.
func (l *peerLoop) retryOrFinish(err error) {
	// A busy peer (or syncer) may be in a round with each of its other
	// peers before it is free: wait up to that many rounds.
	patience := l.s.cfg.RoundTimeout * time.Duration(max(2, len(l.s.loops)))
	if time.Since(l.seq.started) > patience {
		l.finish(err)
		return
	}
	l.seq.retryAt = time.Now().Add(time.Duration(20+rand.IntN(180)) * time.Millisecond)
}

func (l *peerLoop) acquire() bool {
	l.s.roundMu.Lock()
	defer l.s.roundMu.Unlock()
	if !l.s.inRound[l] && len(l.s.inRound) >= l.s.cfg.ConcurrentRounds {
		return false
	}
	l.s.inRound[l] = true
	return true
}

func (l *peerLoop) release() {
	l.s.roundMu.Lock()
	delete(l.s.inRound, l)
	l.s.roundMu.Unlock()
}

// endRound ends the round in progress with err (nil: it finished), frees
// the syncer, and decides what the sequence does next: another round while
// facts moved and the roots did not agree, a retry if the peer was busy.
func (l *peerLoop) endRound(err error) {
	rd := l.round
	l.round = nil
	l.release()
	if err != nil {
		l.s.stats.roundsFailed.Add(1)
		if !errors.Is(err, ErrBusy) {
			l.suspect = true // a message of the round may have been lost
		}
		if !errors.Is(err, ErrBusy) {
			l.s.cfg.Logger.Info("sync round failed", "peer", l.peer.Authority, "initiator", rd.initiator, "error", err)
		}
	} else {
		l.s.stats.rounds.Add(1)
		l.s.cfg.Logger.Debug("sync round done", "peer", l.peer.Authority, "initiator", rd.initiator, "same", rd.same,
			"took", time.Since(rd.started), "sent", rd.sent, "merged", rd.took)
	}
	if l.seq == nil {
		return
	}
	if errors.Is(err, ErrBusy) {
		l.retryOrFinish(err) // a declined round is no round
		return
	}
	l.seq.res.Rounds++
	l.seq.res.Converged = err == nil && rd.same
	// Facts we sent count as moved: the peer may have merged them (its
	// last page may have been sent before it did), and a false positive
	// of its filter may have kept others back; the next round settles it.
	moved := rd.moved || rd.sent > 0
	switch {
	case err != nil:
		l.finish(err)
	case !rd.same && (moved || rd.more) && l.seq.res.Rounds < l.s.cfg.MaxRepeatRounds:
		l.seq.retryAt = time.Time{} // at once
	default:
		l.finish(nil)
	}
}

func (l *peerLoop) finish(err error) {
	res := l.seq.res
	res.Err = err
	for _, r := range l.seq.waiters {
		reply(r, res)
	}
	l.seq = nil
}

// handle acts on one envelope from the peer.
func (l *peerLoop) handle(ctx context.Context, env effects.Value) {
	st := &l.s.stats
	st.msgsReceived.Add(1)
	st.envReceived.Add(int64(len(env.Canonical())))
	pv, _ := env.Get("payload")
	payload, _ := pv.AsBytes()
	st.payloadReceived.Add(int64(len(payload)))
	m, err := decodeMessage(payload)
	if err != nil {
		l.drop("malformed message", err)
		return
	}
	rd := l.round
	inRound := rd != nil && rd.id == m.Round
	// Traffic of the round keeps it alive; a busy or restart notice moves
	// nothing, so a peer repeating one cannot hold the round's slot.
	// Whatever it sends, a round ends after maxRoundRatio × RoundTimeout.
	alive := inRound && m.Kind != kindBusy && m.Kind != kindRestart
	if alive {
		rd.deadline = time.Now().Add(l.s.cfg.RoundTimeout)
		// Acting on the message (merging a batch, finding and sending
		// our facts) may take longer than RoundTimeout on a loaded
		// machine, while the peer's next messages wait in our inbox:
		// the peer's silence is counted from when we are done.
		defer l.keepAlive(rd)
	}
	switch m.Kind {
	case kindRestart:
		// The peer says it refused one of ours: a lost envelope broke the
		// chain. Honoured at most once per RoundTimeout, so that a peer
		// cannot have our budget towards it refilled at will.
		if time.Since(l.lastRestart) >= l.s.cfg.RoundTimeout {
			l.suspect = true
		}
	case kindRoot:
		l.onRoot(ctx, m)
	case kindBusy:
		if inRound && rd.initiator {
			l.endRound(ErrBusy)
		}
	case kindSame:
		if inRound && rd.initiator {
			rd.same = true
			l.endRound(nil)
		}
	case kindDigest:
		if !inRound {
			l.drop("unsolicited digest", fmt.Errorf("round %d", m.Round))
			return
		}
		l.onDigest(ctx, m)
	case kindFacts:
		if !inRound {
			l.drop("unsolicited facts", fmt.Errorf("round %d, %d facts", m.Round, len(m.Facts)))
			return
		}
		l.onFacts(ctx, m)
	}
}

func (l *peerLoop) drop(what string, err error) {
	l.s.stats.malformed.Add(1)
	l.s.cfg.Logger.Warn("sync: dropped a message", "peer", l.peer.Authority, "what", what, "error", err)
}

// onRoot answers a round the peer starts.
func (l *peerLoop) onRoot(ctx context.Context, m message) {
	if rd := l.round; rd != nil {
		if rd.id == m.Round {
			l.drop("repeated root", fmt.Errorf("round %d", m.Round))
			return
		}
		// Both sides started a round at once: the one whose authority is
		// the smaller keeps its round, the other answers it (and counts it
		// as its own round: a round moves facts both ways).
		if rd.initiator && bytes.Compare(l.s.cfg.Self[:], l.peer.Authority[:]) < 0 {
			return
		}
		l.round = nil // keep the syncer: the peer's round replaces ours
	} else if !l.acquire() {
		_ = l.send(ctx, message{Kind: kindBusy, Round: m.Round})
		return
	}
	rd := &round{id: m.Round, started: time.Now(), deadline: time.Now().Add(l.s.cfg.RoundTimeout)}
	l.round = rd
	root, count, err := l.root(ctx)
	if err != nil {
		l.endRound(err)
		return
	}
	if bytes.Equal(root, m.Root) && count == m.Count {
		rd.same = true
		err := l.send(ctx, message{Kind: kindSame, Round: rd.id})
		l.endRound(err)
		return
	}
	if err := l.sendDigest(ctx, rd, true); err != nil {
		l.endRound(err)
	}
}

// onDigest gathers the peer's digest; once whole, it sends the facts the
// peer lacks and, if asked, our own digest.
func (l *peerLoop) onDigest(ctx context.Context, m message) {
	rd := l.round
	if rd.parts == nil {
		rd.parts, rd.salt, rd.reply = make([][]byte, m.Parts), m.Salt, m.Reply
	}
	if len(rd.parts) != m.Parts || rd.salt != m.Salt || rd.reply != m.Reply || rd.parts[m.Part] != nil || rd.sentLast {
		l.drop("inconsistent digest part", fmt.Errorf("part %d of %d", m.Part, m.Parts))
		return
	}
	rd.parts[m.Part] = m.Bloom
	rd.got++
	if rd.got < len(rd.parts) {
		return
	}
	bloom := bytes.Join(rd.parts, nil)
	rd.parts = nil
	// Our digest goes first, so that the peer ships its facts while we
	// ship ours: the two directions overlap.
	if rd.reply {
		if err := l.sendDigest(ctx, rd, false); err != nil {
			l.endRound(err)
			return
		}
	}
	if err := l.sendMissing(ctx, rd, bloom); err != nil {
		l.endRound(err)
		return
	}
	rd.sentLast = true
	l.checkDone()
}

// onFacts merges a page of the peer's facts, every one checked.
func (l *peerLoop) onFacts(ctx context.Context, m message) {
	rd := l.round
	if rd.gotLast {
		l.drop("facts after the last page", fmt.Errorf("round %d", m.Round))
		return
	}
	if len(m.Facts) > 0 {
		rd.pending = append(rd.pending, pendingPage{m.Page, len(m.Facts)})
		rd.pendingN += len(m.Facts)
	}
	if (m.Last || rd.pendingN >= MergeBatch) && !l.flush(ctx) {
		return
	}
	if m.Last {
		rd.gotLast = true
		rd.more = rd.more || m.More
		rd.moved = rd.moved || m.Took > 0
		l.checkDone()
	}
}

// flush merges the facts received and not yet merged: a merge is one
// journal transaction, so pages are merged together while more keep
// arriving (up to MergeBatch facts), and whenever the inbox runs dry. It
// reports whether the round goes on.
func (l *peerLoop) flush(ctx context.Context) bool {
	rd := l.round
	if rd == nil || len(rd.pending) == 0 {
		return true
	}
	pages := rd.pending
	rd.pending, rd.pendingN = nil, 0
	if err := l.merge(ctx, rd, pages); err != nil {
		l.endRound(err)
		return false
	}
	l.keepAlive(rd) // the merge was our work, not the peer's silence
	return true
}

// keepAlive moves the deadline of round rd, if it is still the round in
// progress, to RoundTimeout from now: called when we finish work of our
// own in the round, so that only the peer's silence, not the time our
// journal took, can time the round out.
func (l *peerLoop) keepAlive(rd *round) {
	if l.round == rd {
		rd.deadline = time.Now().Add(l.s.cfg.RoundTimeout)
	}
}

func (l *peerLoop) checkDone() {
	if rd := l.round; rd != nil && rd.sentLast && rd.gotLast {
		l.endRound(nil)
	}
}
