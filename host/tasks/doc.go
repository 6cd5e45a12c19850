// Package tasks is the TaskSupervisor of Aura Host: it owns the goroutines
// that host components start for background work (anti-entropy, expiry
// sweeps, refreshes), names them in hierarchical groups
// ("agent/sync/anti-entropy"), runs periodic tasks on an injected Clock,
// records each task's errors, and shuts the whole tree down within a
// deadline, naming the tasks that did not stop in time.
//
// It also holds the Clock abstraction those tasks are scheduled on:
// RealClock for production, ManualClock for tests (time moves only when the
// test says so; its sleeper queue is internal/vclock's, shared with the
// sim-clock plugin), and EffectClock, which reads and sleeps through the clock
// effect (clock.physical_time, clock.sleep_ms) so that, in simulation, a
// periodic task runs on the simulator's virtual time.
//
// The package imports only effects and internal/vclock from the project:
// host and its services import tasks, never the reverse.
//
// Invariants a newcomer must not break:
//   - Every goroutine the Supervisor starts is tracked from before it starts
//     until it returns; Shutdown, Stop and Wait return nil only when no
//     task of their scope is left. A task cannot be started once its group
//     is cancelled or the Supervisor is shut down: it is refused with an
//     error, never started unsupervised.
//   - Periodic tasks read time only through their Clock, never through
//     time.Sleep or timers of their own: that is what lets a simulation or a
//     test drive them deterministically.
package tasks
