// Package vclock is a virtual clock: time, counted in int64 ticks of
// whatever unit its user chooses, that moves only when told to, and a
// queue of sleepers woken as it passes their deadlines. Two users wrap it
// in their own units: host/tasks.ManualClock (nanoseconds after a start
// time.Time, for tests of the task supervisor) and plugins/simclock.Clock
// (milliseconds, the simulation clock plugin's virtual time).
//
// It imports nothing of the project, so that both plugins and host/tasks
// may import it.
//
// Invariants a newcomer must not break:
//   - Time only moves forward, and every move wakes, before it returns,
//     each sleeper whose deadline is at or before the new time, in
//     deadline order and, for equal deadlines, in the order the sleeps
//     began. Simulations replay because this order is fixed.
//   - A sleeper counts as pending from the moment its Sleep queues it until
//     it is woken or its context ends; WaitPending observes exactly these
//     changes, so callers synchronise on conditions, never on real time.
package vclock
