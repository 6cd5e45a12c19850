package supervise

import "time"

// Event is a plugin's state transition. Hosts log every one; Config.OnEvent
// receives them too (tests wait on them instead of sleeping, and the
// benchmarks measure detection and restart latency from them).
type Event struct {
	Plugin string
	From   State
	To     State
	Reason string
	Time   time.Time
	PID    int // the process the transition concerns, when there is one
}
