package holds

import (
	"context"
	"slices"
)

// GCResult is what one GC removed.
type GCResult struct {
	Custody, Deposits, Received, Messages int
}

// GC removes what passed its retention at the clock's now: envelopes held
// for others (from storage too), our own deposits' records, envelopes
// received, queued messages never sent; and forgets message ids that left
// the replay window. The agent runs it every GCInterval.
func (s *Service) GC(ctx context.Context) (GCResult, error) {
	s.work.Lock()
	defer s.work.Unlock()
	now, err := s.now(ctx)
	if err != nil {
		return GCResult{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gc(ctx, now), nil
}

// gc is GC at nowMs; the caller holds mu.
func (s *Service) gc(ctx context.Context, nowMs int64) GCResult {
	var res GCResult
	retention := s.cfg.Retention.Milliseconds()
	for id, h := range s.custody {
		if nowMs >= h.expiresMs {
			s.remove(ctx, storageKey(custodyPrefix, id))
			delete(s.custody, id)
			res.Custody++
		}
	}
	s.order = slices.DeleteFunc(s.order, func(id DepositID) bool {
		d := s.deposits[id]
		if d.apply(depositEvent{kind: "expire", nowMs: nowMs}) != nil {
			return false
		}
		delete(s.deposits, id)
		res.Deposits++
		return true
	})
	s.recvd = slices.DeleteFunc(s.recvd, func(id DepositID) bool {
		if nowMs < s.received[id].AtMs+retention {
			return false
		}
		s.remove(ctx, storageKey(receivedPrefix, id))
		delete(s.received, id)
		res.Received++
		return true
	})
	for k := range s.asked {
		if _, ok := s.received[k.deposit]; !ok && s.wallet[k.holder] == nil {
			delete(s.asked, k)
		}
	}
	for _, p := range s.cfg.Peers {
		res.Messages += s.queues[p].DropExpired(nowMs)
		s.windows[p].Prune(nowMs)
	}
	return res
}
