// Package host is the Aura Host runtime for one deployment: a Host loads
// it (Config, New), starts its plugins (Start), routes every call through
// one Router, and stops (Shutdown). It owns the registry wiring — every
// operation a plugin declares is registered in an effects.Registry — and
// the Router, the one path every call takes: from the CLI, the VM, an
// agent's facades, the admin endpoint or a plugin calling back.
//
// Its rooms:
//   - host/supervise owns the plugin processes (launch, configure,
//     supervise, restart, stop); Host drives one supervise.Manager.
//   - host/admin is the admin endpoint (server and client), serving a Host
//     through a small interface.
//   - host/guard is the guard chain's pure logic; the Router runs it
//     (guarded.go) for an agent's guarded operations and sends.
//   - host/agent builds an agent (one authority's runtime) on a Host;
//     host/sim runs several agents on one virtual timeline.
//   - host/tasks is the agents' task supervisor.
//
// Two things every Host serves itself, in process: the trace family
// (trace.go: trace_event, trace_span, trace_span_end — registered before
// any plugin, answered deterministically, span IDs derived from the
// session, the role, the name and a sequence number, so they land in a
// run's trace the same way in every run of a seed), and the record of the
// VM guards its sessions hold and wait for (SessionGuards, kept by every
// VMEffects over the Router: the guard contention the scheduler-signal
// rule reads; it records, each session's effects still grant its guards).
//
// It may import effects, sdk, config, vm and its own sub-packages
// supervise, admin and guard; it must not import agent or sim (they import
// it). Its consumers are cmd/aura-host, simtest, examples/embed and its
// own sub-packages agent and sim.
//
// Invariants a newcomer must not break:
//   - Every call goes through Router.Invoke; nothing calls a plugin
//     handler directly, or authority scoping, argument checks and the
//     guard chain are skipped. (The guard chain's own effects — the
//     journal fact, the clock, the budget store — are the one exception,
//     so that they are not themselves guarded.)
//   - No call that can block on a plugin runs without a deadline, and every
//     plugin process can be SIGKILLed by the host: a stopped or deadlocked
//     plugin never hangs the host or its shutdown (see host/supervise).
//   - Every plugin runs in its own process group with a parent-death
//     signal, so a host that dies, however it dies, leaves no plugin
//     behind. This needs Linux: elsewhere host builds, and starting a
//     plugin process fails saying so.
package host
