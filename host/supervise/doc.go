// Package supervise manages a deployment's plugin processes: it launches
// each plugin (go-plugin over gRPC, a pinned checksum checked first),
// describes and configures it in dependency order, and supervises it for
// as long as the host runs — exit noticed at once, health probes, restarts
// with capped backoff and an intensity limit, a circuit breaker on calls —
// then stops it within a bound. A Manager owns the processes; each Plugin
// is the effects.Handler registered for the operations it serves, and stays
// registered across restarts of its process. status_text.go prints
// plugin statuses and the operations plugins describe as tables for
// people (`aura-host run`, `aura-host plugins`); SplitDiagnostics separates
// a start-up error's configuration mistakes from the rest.
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
//   - A pinned binary is hashed and executed as the same bytes: opened
//     once, copied into the host's private socket directory while hashed,
//     and the copy executed (pin.go). Never hash a path and execute it
//     again by path. In production an unpinned command plugin runs only
//     with allow_unpinned = true (ErrUnpinned otherwise).
//   - State the host trusts — the state directory, the socket root and
//     socket directories — is owned by the running user and writable by
//     no one else (host/owned, *UnsafePathError); check before use.
//   - Supervision needs Linux. On other systems the package builds, and
//     launching a plugin process fails at start-up saying so
//     (runner_other.go); plugins run in process (Config.InProcess) work.
package supervise
