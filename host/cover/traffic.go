package cover

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// drain takes the peer's cover envelopes (at most MaxDrain) and drops
// them, counting each: accepted on its path, a replay, or refused. The
// guard chain has checked each one's receipt before it gets here; one it
// refuses is consumed and counted as refused.
func (s *Service) drain(ctx context.Context, peer effects.AuthorityID, now time.Time) {
	args := effects.Map(map[string]effects.Value{"source": effects.Bytes(peer[:]), "context": effects.Bytes(Context[:])})
	for range s.cfg.MaxDrain {
		v, err := s.cfg.Invoke(ctx, effects.NetworkReceiveEnvelopeFrom, args)
		if errors.Is(err, effects.ErrDenied) {
			s.count(peer, func(c *LinkCounts) { c.Refused++ })
			s.cfg.Logger.Debug("cover: dropped an envelope the guard chain refused", "peer", peer, "error", err)
			continue
		}
		if err != nil {
			s.cfg.Logger.Debug("cover: receive failed", "peer", peer, "error", err)
			return
		}
		if v.IsNull() {
			return
		}
		p, _ := v.Get("payload")
		pathID, msgID, err := ParsePayload(bytesOf(p))
		s.mu.Lock()
		if err == nil {
			err = s.inbound.Admit(peer, pathID, msgID, now)
		}
		c := &s.links[peer].counts
		switch {
		case err == nil:
			c.CoverReceived++
		case errors.Is(err, ErrReplay):
			c.Replayed++
		default:
			c.Refused++
		}
		s.mu.Unlock()
	}
}

func (s *Service) count(peer effects.AuthorityID, f func(*LinkCounts)) {
	s.mu.Lock()
	if l := s.links[peer]; l != nil {
		f(&l.counts)
	}
	s.mu.Unlock()
}

// topUp sends the peer link the cover packets the floor owes for the
// interval that ends now, less what the application sent in it. The
// service's lock is never held across a call: the router runs Observe,
// which takes it, on the calling goroutine.
func (s *Service) topUp(ctx context.Context, peer effects.AuthorityID, now time.Time) error {
	s.mu.Lock()
	l := s.links[peer]
	due := l.topUp.Due(now.Sub(l.last), l.pending)
	l.pending, l.last = 0, now
	path := l.path
	// A path is only ever read or moved under the lock: cover.status reads
	// it from other goroutines.
	renew := path == nil || path.State(now).Terminal()
	s.mu.Unlock()
	if due == 0 {
		return nil
	}
	if renew {
		var err error
		if path, err = s.buildPath(ctx, peer, now); err != nil {
			return err
		}
	}
	for i := range due {
		err := s.sendCover(ctx, peer, path)
		s.mu.Lock()
		switch {
		case err == nil:
			l.counts.CoverSent++
			_ = path.Establish(now)
		case errors.Is(err, effects.ErrExhausted):
			l.counts.Exhausted += due - i
		default:
			// Delivery is uncertain: the path (and its receipt chain) is
			// torn down, and the next interval builds a new one.
			path.TearDown(now)
		}
		s.mu.Unlock()
		if err != nil {
			return fmt.Errorf("cover to %s: %w", peer, err)
		}
	}
	if limit, spent, err := s.cfg.Budget.Get(ctx, peer); err == nil {
		s.mu.Lock()
		l.limit, l.spent = limit, spent
		s.mu.Unlock()
	}
	return nil
}

// buildPath builds a new path to peer: a random id, and a renewed reserve
// (a new epoch of the cover budget: its limit again, and a new receipt
// chain).
func (s *Service) buildPath(ctx context.Context, peer effects.AuthorityID, now time.Time) (*Path, error) {
	b, err := s.random(ctx, len(PathID{}))
	if err != nil {
		return nil, err
	}
	var id PathID
	copy(id[:], b)
	if err := s.cfg.Budget.Renew(ctx, peer, s.cfg.Reserve); err != nil {
		return nil, fmt.Errorf("cover: renew the reserve to %s: %w", peer, err)
	}
	p := NewPath(id, peer, now, s.cfg.PathTTL, 0)
	s.mu.Lock()
	s.links[peer].path = p
	s.mu.Unlock()
	return p, nil
}

// sendCover sends one cover envelope on path, through the router (the
// guard chain charges the reserve and attaches the receipt).
func (s *Service) sendCover(ctx context.Context, peer effects.AuthorityID, path *Path) error {
	size, err := s.coverSize(ctx, peer)
	if err != nil {
		return err
	}
	fill, err := s.random(ctx, size)
	if err != nil {
		return err
	}
	payload, _, err := EncodePayload(path.ID, fill)
	if err != nil {
		return err
	}
	env := effects.Map(map[string]effects.Value{"envelope": effects.Map(map[string]effects.Value{
		"destination": effects.Bytes(peer[:]), "source": effects.Bytes(s.cfg.Self[:]),
		"context": effects.Bytes(Context[:]), "payload": effects.Bytes(payload)})})
	if s.cfg.Mark != nil {
		ctx = s.cfg.Mark(ctx)
	}
	_, err = s.cfg.Invoke(ctx, effects.NetworkSendEnvelope, env)
	return err
}

// random draws n bytes from the random effect (seeded in simulation).
func (s *Service) random(ctx context.Context, n int) ([]byte, error) {
	v, err := s.cfg.Invoke(ctx, effects.RandomBytes, effects.Map(map[string]effects.Value{"n": effects.Int(int64(n))}))
	if err != nil {
		return nil, fmt.Errorf("cover: draw random bytes (the service needs a random plugin): %w", err)
	}
	b, ok := v.AsBytes()
	if !ok || len(b) != n {
		return nil, fmt.Errorf("cover: %s answered %v, want %d bytes", effects.RandomBytes, v.Kind(), n)
	}
	return b, nil
}

// coverSize is the size of the next cover payload to peer: one of the
// application's recent sizes on the link, drawn with the random effect,
// or PayloadBytes (FixedSize, or no such size yet).
func (s *Service) coverSize(ctx context.Context, peer effects.AuthorityID) (int, error) {
	s.mu.Lock()
	sizes := slices.Clone(s.links[peer].sizes)
	s.mu.Unlock()
	if s.cfg.FixedSize || len(sizes) == 0 {
		return s.cfg.PayloadBytes, nil
	}
	b, err := s.random(ctx, 2)
	if err != nil {
		return 0, err
	}
	return sizes[int(binary.BigEndian.Uint16(b))%len(sizes)], nil
}
