package supervise

// State is where a plugin is in its life. The supervisor moves it along
// starting → ready ⇄ degraded → restarting → ready | failed, and on
// shutdown stopping → stopped. A lazy plugin waits in idle until an
// operation it serves is first called.
type State string

// Plugin states.
const (
	StateIdle       State = "idle"
	StateStarting   State = "starting"
	StateReady      State = "ready"
	StateDegraded   State = "degraded"
	StateRestarting State = "restarting"
	StateFailed     State = "failed"
	StateStopping   State = "stopping"
	StateStopped    State = "stopped"
)
