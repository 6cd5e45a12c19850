package facade

import (
	"context"

	"github.com/aurahost/aura-host/effects"
)

// Cover is the client of the cover-traffic service, which the agent
// runtime hosts in process (host/cover; service "NAME" { builtin =
// "cover_traffic" }): with privacy mode on, every peer link carries at
// least a floor of packets per second, application traffic topped up with
// opaque cover envelopes charged to a reserved flow budget.
type Cover struct{ c caller }

var opCoverStatus = declare("Cover.Status", effects.CoverStatus, effects.KindMap)

// CoverStatus is what the cover-traffic service reports.
type CoverStatus struct {
	PrivacyMode  bool
	FloorPPS     int64
	IntervalMS   int64
	PayloadBytes int64
	// Sending: privacy mode is on and the service is operational.
	Sending bool
	// Reason is why it sends nothing, or is degraded; "" if neither.
	Reason string
	// Ticks counts the intervals it has run.
	Ticks int64
	Peers []CoverLink
}

// CoverLink is one peer link's counters.
type CoverLink struct {
	Peer string // the peer's authority ("authority-…")
	// AppSent counts the application's envelopes to the peer; CoverSent,
	// the cover envelopes.
	AppSent, CoverSent int64
	// CoverReceived counts the peer's cover envelopes accepted (and
	// dropped); Replayed, those dropped as replays; Refused, those refused
	// (bad receipt, malformed, on a path not accepted).
	CoverReceived, Replayed, Refused int64
	// Exhausted counts cover packets owed but not sent: the reserve was
	// spent.
	Exhausted int64
	// Path is the link's path state: building, established, expired,
	// torn_down or none; PathExpiresMS, when it expires (clock ms).
	Path          string
	PathExpiresMS int64
	// ReserveLimit and ReserveSpent are the cover budget's, as last read.
	ReserveLimit, ReserveSpent uint64
}

func readCoverLink(r reader) CoverLink {
	return CoverLink{Peer: r.str("peer"), AppSent: r.int("app_sent"), CoverSent: r.int("cover_sent"),
		CoverReceived: r.int("cover_received"), Replayed: r.int("replayed"), Refused: r.int("refused"),
		Exhausted: r.int("exhausted"), Path: r.str("path"), PathExpiresMS: r.int("path_expires_ms"),
		ReserveLimit: r.uint("reserve_limit"), ReserveSpent: r.uint("reserve_spent")}
}

func readCoverStatus(r reader) CoverStatus {
	return CoverStatus{PrivacyMode: r.bool("privacy_mode"), FloorPPS: r.int("floor_pps"), IntervalMS: r.int("interval_ms"),
		PayloadBytes: r.int("payload_bytes"), Sending: r.bool("sending"), Reason: r.str("reason"), Ticks: r.int("ticks"),
		Peers: records(r, "peers", readCoverLink)}
}

// Status describes the cover-traffic service: privacy mode, floor, and per
// peer link what was sent and received.
func (x *Cover) Status(ctx context.Context) (CoverStatus, error) {
	v, err := x.c.invoke(ctx, opCoverStatus, nil)
	if err != nil {
		return CoverStatus{}, err
	}
	return decodeRecord(opCoverStatus, v, readCoverStatus)
}

// The cover family's probe for CheckResult, kept beside its method (the
// families hosted by the agent runtime add theirs here rather than to the
// plugins' table).
func init() {
	probes[opCoverStatus.id] = func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Cover.Status(ctx))
	}
}
