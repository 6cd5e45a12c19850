// Package supervise manages a deployment's plugin processes: it launches
// each plugin (go-plugin over gRPC, a pinned checksum checked first),
// describes and configures it in dependency order, and supervises it for
// as long as the host runs — exit noticed at once, health probes, restarts
// with capped backoff and an intensity limit, a circuit breaker on calls —
// then stops it within a bound. A Manager owns the processes; each Plugin
// is the effects.Handler registered for the operations it serves, and stays
// registered across restarts of its process.
//
// It may import config, effects and sdk; it must not import host or any
// package that routes calls (the Router is handed in as an
// effects.Handler for plugins' callbacks), nor vm.
//
// Invariants a newcomer must not break:
//   - Every plugin process runs in its own process group with a
//     parent-death signal (runner_linux.go), so a host that dies, however
//     it dies, leaves no plugin behind; every process can be SIGKILLed, so
//     a stopped or deadlocked plugin never hangs shutdown.
//   - No call that can block on a plugin runs without a deadline
//     (Plugin.Invoke sets the policy's call timeout).
//   - Supervision needs Linux. On other systems the package builds, and
//     launching a plugin process fails at start-up saying so
//     (runner_other.go); plugins run in process (Config.InProcess) work.
package supervise
