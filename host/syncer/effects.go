package syncer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// root is our journal.sync_root.
func (l *peerLoop) root(ctx context.Context) ([]byte, int64, error) {
	v, err := l.s.cfg.Invoke(ctx, OpSyncRoot, effects.Map(nil))
	if err != nil {
		return nil, 0, err
	}
	return rootOf(v)
}

func rootOf(v effects.Value) ([]byte, int64, error) {
	r, _ := v.Get("root")
	c, _ := v.Get("count")
	root, ok1 := r.AsBytes()
	count, ok2 := c.AsInt()
	if !ok1 || !ok2 {
		return nil, 0, fmt.Errorf("%s answered %v, want {root: bytes, count: int}", OpSyncRoot, v)
	}
	return root, count, nil
}

// sendDigest sends our salted digest in parts.
func (l *peerLoop) sendDigest(ctx context.Context, rd *round, replyWanted bool) error {
	salt := rand.Int64()
	v, err := l.s.cfg.Invoke(ctx, OpSyncDigest, effects.Map(map[string]effects.Value{"salt": effects.Int(salt)}))
	if err != nil {
		return err
	}
	bv, _ := v.Get("bloom")
	bloom, ok := bv.AsBytes()
	if !ok {
		return fmt.Errorf("%s answered no bloom", OpSyncDigest)
	}
	parts := max(1, (len(bloom)+PageBytes-1)/PageBytes)
	if parts > MaxDigestParts {
		return fmt.Errorf("our digest is %d bytes, more than %d parts of %d", len(bloom), MaxDigestParts, PageBytes)
	}
	for i := range parts {
		part := bloom[min(i*PageBytes, len(bloom)):min((i+1)*PageBytes, len(bloom))]
		if err := l.send(ctx, message{Kind: kindDigest, Round: rd.id, Salt: salt, Part: i, Parts: parts, Bloom: part, Reply: replyWanted}); err != nil {
			return err
		}
	}
	return nil
}

// sendMissing sends, in pages, the signed facts the peer's digest lacks;
// the last page (possibly empty) says so.
func (l *peerLoop) sendMissing(ctx context.Context, rd *round, bloom []byte) error {
	v, err := l.s.cfg.Invoke(ctx, OpSyncMissing, effects.Map(map[string]effects.Value{
		"bloom": effects.Bytes(bloom), "salt": effects.Int(rd.salt), "max_bytes": effects.Int(l.s.cfg.MaxRoundBytes),
		"encoded": effects.Bool(true)}))
	if err != nil {
		return err
	}
	fv, _ := v.Get("facts")
	mv, _ := v.Get("more")
	more, _ := mv.AsBool()
	if fv.Kind() != effects.KindList {
		return fmt.Errorf("%s answered no facts list", OpSyncMissing)
	}
	// Each fact comes as its canonical encoding, shipped as is (a journal
	// that ignores encoded answers with maps, encoded here).
	facts := make([][]byte, 0, fv.Len())
	for _, f := range fv.Items() {
		if raw, ok := f.AsBytes(); ok {
			facts = append(facts, raw)
		} else {
			facts = append(facts, f.Canonical())
		}
	}
	return l.sendPages(ctx, rd, facts, more)
}

// sendPages sends facts in pages, each as many facts as fit, compressed, in
// one envelope; the last page (possibly empty) says so.
func (l *peerLoop) sendPages(ctx context.Context, rd *round, facts [][]byte, more bool) error {
	st := &l.s.stats
	raw := 2 * PageBytes // raw bytes to try per page; adapts to the compression seen
	for first := true; first || len(facts) > 0; first = false {
		var page [][]byte
		size := 0
		for _, f := range facts {
			n := len(f)
			if len(page) > 0 && (size+n > raw || len(page) >= MaxPageFacts) {
				break
			}
			page = append(page, f)
			size += n
		}
		var payload []byte
		for {
			last := len(page) == len(facts)
			m := message{Kind: kindFacts, Round: rd.id, Encoded: page, Last: last, More: last && more}
			if last {
				m.Took = rd.took
			}
			payload = m.encode()
			if len(payload) <= MaxPayload || len(page) <= 1 {
				break
			}
			page = page[:len(page)/2] // compressed worse than guessed: half as many
			size = 0
			for _, f := range page {
				size += len(f)
			}
		}
		facts = facts[len(page):]
		if len(payload) > MaxPayload {
			// One fact larger than an envelope (64 KiB) even compressed
			// is not synced: facts are records; large payloads belong in
			// storage, journaled by hash.
			l.s.cfg.Logger.Warn("sync: a fact is too large for an envelope, not sent", "peer", l.peer.Authority, "bytes", size)
			continue
		}
		if err := l.sendPayload(ctx, kindFacts, payload); err != nil {
			return err
		}
		if len(payload) > 0 {
			raw = max(PageBytes, min(16*PageBytes, size*PageBytes/len(payload)*9/10))
		}
		st.factsSent.Add(int64(len(page)))
		rd.sent += int64(len(page))
		st.factBytesSent.Add(int64(size))
		if l.seq != nil {
			l.seq.res.Sent += int64(len(page))
		}
	}
	return nil
}

// merge merges pages of the peer's facts through journal.merge_signed,
// logging and counting each refused fact. Each page goes as the canonical
// encoding of its list, as it arrived: the journal decodes it.
func (l *peerLoop) merge(ctx context.Context, rd *round, pages []pendingPage) error {
	st := &l.s.stats
	list := make([]effects.Value, len(pages))
	for i, p := range pages {
		st.factsReceived.Add(int64(p.n))
		st.factBytesReceived.Add(int64(len(p.raw) - listHeader(p.n)))
		list[i] = effects.Bytes(p.raw)
	}
	v, err := l.s.cfg.Invoke(ctx, OpMergeSigned, effects.Map(map[string]effects.Value{
		"pages": effects.List(list...), "keys": l.s.keys}))
	if err != nil {
		return err
	}
	mv, _ := v.Get("merged")
	kv, _ := v.Get("known")
	rv, _ := v.Get("refused")
	merged, _ := mv.AsInt()
	known, _ := kv.AsInt()
	st.merged.Add(merged)
	rd.took += merged
	rd.moved = rd.moved || merged > 0
	st.known.Add(known)
	refused := rv.Items()
	st.refused.Add(int64(len(refused)))
	if l.seq != nil {
		l.seq.res.Merged += merged
		l.seq.res.Known += known
		l.seq.res.Refused += int64(len(refused))
	}
	for _, r := range refused {
		id, _ := r.Get("id")
		reason, _ := r.Get("reason")
		idb, _ := id.AsBytes()
		why, _ := reason.AsString()
		l.s.cfg.Logger.Warn("sync: refused a fact", "peer", l.peer.Authority, "fact", fmt.Sprintf("%x", idb), "reason", why)
	}
	return nil
}

// send sends one message to the peer, retrying an unavailable network with
// a backoff until the round's deadline.
func (l *peerLoop) send(ctx context.Context, m message) error {
	return l.sendPayload(ctx, m.Kind, m.encode())
}

// sendPayload sends an encoded message.
func (l *peerLoop) sendPayload(ctx context.Context, kind string, payload []byte) error {
	env := effects.Map(map[string]effects.Value{"envelope": effects.Map(map[string]effects.Value{
		"destination": l.addr, "source": effects.Bytes(l.s.cfg.Self[:]),
		"context": effects.Bytes(Context[:]), "payload": effects.Bytes(payload)})})
	sctx, cancel := context.WithTimeout(ctx, l.s.cfg.RoundTimeout)
	defer cancel()
	backoff := 10 * time.Millisecond
	for {
		err := l.restartChain(sctx)
		if err == nil {
			_, err = l.s.cfg.Invoke(sctx, effects.NetworkSendEnvelope, env)
		}
		if err != nil && effects.SendMayHaveHappened(err) {
			// The envelope may have reached the peer or not: either way
			// the next one starts a new receipt chain. A refusal by our
			// own guard chain (denied, an exhausted budget) sent nothing
			// and issued no receipt: the chain is whole, and restarting it
			// would only refill the budget.
			l.suspect = true
		}
		if err == nil {
			if l.round != nil {
				l.round.deadline = time.Now().Add(l.s.cfg.RoundTimeout)
			}
			l.s.stats.msgsSent.Add(1)
			l.s.stats.payloadSent.Add(int64(len(payload)))
			return nil
		}
		if !errors.Is(err, effects.ErrUnavailable) || sctx.Err() != nil {
			return fmt.Errorf("send %s to %s: %w", kind, l.peer.Authority, err)
		}
		t := time.NewTimer(backoff)
		select {
		case <-sctx.Done():
			t.Stop()
			return fmt.Errorf("send %s to %s: %w", kind, l.peer.Authority, err)
		case <-t.C:
		}
		backoff = min(2*backoff, time.Second)
	}
}

// receive takes the peer's oldest envelope in the sync context, if any.
func (l *peerLoop) receive(ctx context.Context) (effects.Value, bool, error) {
	v, err := l.s.cfg.Invoke(ctx, effects.NetworkReceiveEnvelopeFrom, effects.Map(map[string]effects.Value{
		"source": l.addr, "context": effects.Bytes(Context[:])}))
	if err != nil || v.IsNull() {
		return effects.Value{}, false, err
	}
	return v, true, nil
}

// restartChain starts a new receipt chain to the peer if one of our
// envelopes may have been lost.
func (l *peerLoop) restartChain(ctx context.Context) error {
	if !l.suspect || l.s.cfg.RestartChain == nil {
		return nil
	}
	if err := l.s.cfg.RestartChain(ctx, l.peer.Authority); err != nil {
		return fmt.Errorf("restart the receipt chain to %s: %w", l.peer.Authority, err)
	}
	l.suspect = false
	l.lastRestart = time.Now()
	l.s.stats.restarts.Add(1)
	return nil
}
