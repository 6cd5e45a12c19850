package effects

// Operations of the cover family. No plugin serves them: the agent runtime
// hosts the cover-traffic service in process (host/cover, declared as
// service "NAME" { builtin = "cover_traffic" }), because it must see every
// send the guard chain charges and send from a flow budget no plugin can
// reach.
const (
	// CoverStatus describes the cover-traffic service: whether privacy mode
	// is on, its floor, and per peer what was sent and received.
	CoverStatus OpID = "cover.status"
)

// CoverOps are the declarations of the cover family, which the
// cover-traffic service registers.
func CoverOps() []OpSpec {
	return []OpSpec{
		{
			ID: CoverStatus,
			Doc: "Describes the cover-traffic service: a map {privacy_mode: bool, floor_pps: int, interval_ms: int, " +
				"payload_bytes: int, sending: bool, reason: string (why it sends nothing, or \"\"), ticks: int, peers: list of " +
				"{peer: string (authority), app_sent, cover_sent, cover_received, replayed, refused, exhausted: int, " +
				"path: string (building, established, expired, torn_down or none), path_expires_ms: int, " +
				"reserve_limit, reserve_spent: uint}} with peers sorted by authority.",
			Result:      KindMap,
			Idempotent:  true,
			Determinism: ReadsWorld,
		},
	}
}
