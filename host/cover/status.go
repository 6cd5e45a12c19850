package cover

import (
	"bytes"
	"context"
	"slices"

	"github.com/aurahost/aura-host/effects"
)

// Status is what cover.status answers.
type Status struct {
	PrivacyMode  bool
	FloorPPS     int
	IntervalMS   int64
	PayloadBytes int
	// Sending: privacy mode is on and the service is operational.
	Sending bool
	// Reason is why the service sends nothing, or is degraded; "" if
	// neither.
	Reason string
	// Ticks counts the intervals run.
	Ticks int64
	Peers []PeerStatus
}

// PeerStatus is one peer link's part of the status.
type PeerStatus struct {
	Peer effects.AuthorityID
	LinkCounts
	Path          PathState
	PathExpiresMS int64
	// ReserveLimit and ReserveSpent are the cover budget's, as last read.
	ReserveLimit, ReserveSpent uint64
}

// Status describes the service now.
func (s *Service) Status() Status {
	h := s.Health()
	st := Status{PrivacyMode: s.cfg.PrivacyMode, FloorPPS: s.cfg.FloorPPS, IntervalMS: s.cfg.Interval.Milliseconds(),
		PayloadBytes: s.cfg.PayloadBytes, Sending: s.cfg.PrivacyMode && h.Operational(), Reason: h.Reason}
	if st.Reason == "" {
		st.Reason = s.offReason()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st.Ticks = s.ticks
	for peer, l := range s.links {
		ps := PeerStatus{Peer: peer, LinkCounts: l.counts, ReserveLimit: l.limit, ReserveSpent: l.spent}
		if l.path != nil {
			ps.Path, ps.PathExpiresMS = l.path.State(l.last), l.path.Expires().UnixMilli()
		}
		st.Peers = append(st.Peers, ps)
	}
	slices.SortFunc(st.Peers, func(a, b PeerStatus) int { return bytes.Compare(a.Peer[:], b.Peer[:]) })
	return st
}

// Peer returns one peer link's status.
func (st Status) Peer(peer effects.AuthorityID) (PeerStatus, bool) {
	for _, p := range st.Peers {
		if p.Peer == peer {
			return p, true
		}
	}
	return PeerStatus{}, false
}

// Value renders the status as cover.status answers it (effects.CoverOps).
func (st Status) Value() effects.Value {
	peers := make([]effects.Value, len(st.Peers))
	for i, p := range st.Peers {
		peers[i] = effects.Map(map[string]effects.Value{
			"peer": effects.String(p.Peer.String()), "app_sent": effects.Int(p.AppSent), "cover_sent": effects.Int(p.CoverSent),
			"cover_received": effects.Int(p.CoverReceived), "replayed": effects.Int(p.Replayed), "refused": effects.Int(p.Refused),
			"exhausted": effects.Int(p.Exhausted), "path": effects.String(p.Path.String()), "path_expires_ms": effects.Int(p.PathExpiresMS),
			"reserve_limit": effects.Uint(p.ReserveLimit), "reserve_spent": effects.Uint(p.ReserveSpent),
		})
	}
	return effects.Map(map[string]effects.Value{
		"privacy_mode": effects.Bool(st.PrivacyMode), "floor_pps": effects.Int(int64(st.FloorPPS)),
		"interval_ms": effects.Int(st.IntervalMS), "payload_bytes": effects.Int(int64(st.PayloadBytes)),
		"sending": effects.Bool(st.Sending), "reason": effects.String(st.Reason), "ticks": effects.Int(st.Ticks),
		"peers": effects.List(peers...),
	})
}

// Invoke serves the cover family (effects.CoverOps): the service is the
// handler the agent registers for it.
func (s *Service) Invoke(_ context.Context, call *effects.Call) (effects.Value, error) {
	switch call.Op {
	case effects.CoverStatus:
		return s.Status().Value(), nil
	}
	return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: call.Op,
		Message: "the cover-traffic service serves only the cover family (cover.status)"}
}
