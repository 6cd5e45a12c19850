// Package simclock is the built-in simulation clock plugin, "sim-clock":
// virtual time in milliseconds that starts at 0 and moves only when the
// simulator says so. It serves the operations of the "clock" family — the
// declarations it shares with the clock plugin (clockops.Operations), so a
// deployment swaps it in by HCL, with its logical time kept by
// clockops.Logical as the clock plugin's is — plus the "time_control"
// family through which a simulator drives time. Only the clock's owner
// may call time_control (plugins/internal/simcontrol): the authority the
// instance was configured for, and on a clock shared between instances
// only a call with no authority — an agent living on the clock may not
// move it.
//
// Clock is the virtual clock itself, usable in process: a host or a test
// that runs several agents in one process shares one Clock between them
// (NewWithClock) and advances it without a plugin call. It counts
// milliseconds over internal/vclock's sleeper queue, which
// host/tasks.ManualClock shares.
//
// AURA-SPEC §2 has a simulated sleep return at once in real time. Here a
// sleep returns when virtual time reaches its deadline, which the simulator
// reaches at once with next_deadline and set_time (or Clock.AdvanceToNext):
// no real time passes either way, and the simulator, not the scheduler,
// decides what happens before the sleeper wakes — what a timeout in a
// protocol needs in order to be tested at all.
//
// # Driving time, for simulator authors
//
// clock.sleep_ms(ms) (Clock.Sleep) takes its deadline, now+ms, when the
// call arrives, and from then on counts as a pending sleeper. It returns
// null once virtual time reaches the deadline; a sleep of 0 returns at
// once and never counts as pending; a deadline past the end of int64
// saturates there. A cancelled call (or one whose real deadline passes)
// stops being pending and returns the cancelled or timeout error — unless
// time reached its deadline first, in which case it returns null.
//
// time_control.next_deadline (Clock.NextDeadline) is the earliest deadline
// of a pending sleeper, or null when none is pending. It reads; it never
// moves time. It is never earlier than now: a sleep's deadline is not,
// and every move of time wakes what is due before it returns.
//
// time_control.advance_time(ms) moves time forward by ms (negative, or
// past the end of int64, is invalid_args) and returns the new time;
// time_control.set_time(ms) moves it to ms, which must not be earlier than
// now (conflict otherwise; ms equal to now is a no-op), and returns ms.
// Both wake, before they return, every sleeper whose deadline is at or
// before the new time, in deadline order and, for equal deadlines, in the
// order the sleeps began. Jumping past a deadline is oversleeping: the
// woken code reads the new time, not its deadline. Waking is not a
// barrier: the woken sleep_ms calls return, and the protocol behind them
// runs, after set_time has returned, concurrently with the simulator.
//
// So a simulator that runs a protocol in another goroutine steps it like
// this, never sleeping in real time:
//
//  1. start the protocol (or let it react to the last step);
//  2. wait until it is blocked: time_control.wait_for_sleepers(n)
//     (Clock.WaitForSleepers) returns once n sleeps are pending — n is a
//     count of sleeps pending on the whole clock, every instance sharing
//     it included, not of new ones — and cancel that call if the protocol
//     finishes, or blocks on something else, instead;
//  3. read next_deadline (and, with a simulated network, its
//     next_delivery), and move time to the earliest with set_time;
//  4. go back to 2 until the protocol finishes.
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
//   - A skew (time_control.set_skew, a simulation's clock_skew fault)
//     moves only what one authority's physical_time reads: virtual time,
//     sleeps and order_time stay on the one timeline, so a skewed agent
//     disagrees with the others about the time without the simulation
//     splitting in two. time_control.skew counts the reads it moved.
//
// The package imports only sdk, effects and internal/vclock from the
// project, and plugins/internal/clockops and plugins/internal/standin for
// what it shares with the clock plugin; never plugins/clock itself. The
// test that it accepts the clock plugin's config lives in package plugins
// (standin_test.go).
package simclock
