package effects

// Operations of the local health observer (host/health), served by the
// agent's "local_health_observer" service: what other services and
// plugins feed it, and what it knows.
const (
	// LocalHealthSnapshot returns the observer's averages and verdict.
	LocalHealthSnapshot OpID = "local_health.snapshot"
	// LocalHealthObserveQueue reports the fill of an inbound queue.
	LocalHealthObserveQueue OpID = "local_health.observe_queue"
	// LocalHealthObserveHold reports whether a hold succeeded.
	LocalHealthObserveHold OpID = "local_health.observe_hold"
)

// LocalHealthOps are the declarations of the local_health family.
func LocalHealthOps() []OpSpec {
	return []OpSpec{
		{
			ID: LocalHealthSnapshot,
			Doc: "Returns the local health observer's averages (rtt_us, loss_ppm, queue_fill_ppm, churn_per_hour, " +
				"hold_success_ppm), its counters, its degraded signals, state and reason.",
			Result:      KindMap,
			Idempotent:  true,
			Determinism: ReadsWorld,
		},
		{
			ID:          LocalHealthObserveQueue,
			Doc:         "Reports the fill of an inbound queue the caller owns, in parts per million of its capacity (0-1000000).",
			Params:      []Param{{Name: "fill_ppm", Kind: KindInt, Doc: "the queue's fill: 0 empty, 1000000 full"}},
			Result:      KindNull,
			Determinism: WritesWorld,
		},
		{
			ID:          LocalHealthObserveHold,
			Doc:         "Reports whether a hold (custody of an envelope for an offline peer) succeeded.",
			Params:      []Param{{Name: "ok", Kind: KindBool, Doc: "true when the hold succeeded"}},
			Result:      KindNull,
			Determinism: WritesWorld,
		},
	}
}
