// Package simclock is the built-in simulation clock plugin, "sim-clock":
// virtual time in milliseconds that starts at 0 and moves only when the
// simulator says so. It serves the operations of the "clock" family — the
// same ones as the clock plugin, so a deployment swaps it in by HCL — plus
// the "time_control" family through which a simulator drives time.
//
// Clock is the virtual clock itself, usable in process: a host or a test
// that runs several agents in one process shares one Clock between them
// (NewWithClock) and advances it without a plugin call.
//
// AURA-SPEC §2 has a simulated sleep return at once in real time. Here a
// sleep returns when virtual time reaches its deadline, which the simulator
// reaches at once with next_deadline and set_time (or Clock.AdvanceToNext):
// no real time passes either way, and the simulator, not the scheduler,
// decides what happens before the sleeper wakes — what a timeout in a
// protocol needs in order to be tested at all.
//
// Invariants a newcomer must not break:
//
//   - Virtual time never goes backwards, and nothing but Advance and Set
//     (advance_time, set_time) moves it; reading it has no effect.
//   - A sleep ends when virtual time reaches its deadline, or when its call
//     is cancelled — never because real time passed. Sleepers due at the
//     same advance are woken in deadline order, and sleepers with equal
//     deadlines in the order they began to sleep.
//   - order_time tokens strictly increase within one plugin instance and
//     follow virtual time, exactly as the clock plugin's follow wall time.
//
// The package imports only sdk and effects from the project.
package simclock
