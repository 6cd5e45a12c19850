// Package sim is the simulation driver: several agents of one deployment
// in one process on one virtual timeline, sharing one simulated network
// and one virtual clock, with the deployment's faults applied on schedule,
// and the trace bundle it writes — the canonical record of a run,
// byte-identical for a seed; the format (writer, reader, hash, diff,
// replay) is the sub-package host/sim/bundle. The same
// deployment also runs in production mode over the libp2p transport:
// every agent in this process (each on a loopback port), or (Config.Local
// and Config.Peers) only some of them, the others in other processes —
// one host process per device — reached over the transport; each process
// drives the machines of its own agents' roles and sends the others'
// messages to their agents' authorities. A file with peer blocks is one
// machine of a multi-host deployment (built by multihost.Start; machine.go):
// its agent blocks are the local agents, its peers the others, its relay
// peers the relays its agents reserve on; RunEach runs its runs in order
// and records each outcome. The post office takes only its runs' envelopes (by source
// and context), leaving other services' (journal sync, holds) in the inbox
// for them, in simulation as in production.
//
// Its parts: Simulation (simulation.go) builds the agents and binds
// protocol runs to them; the loop (loop.go) drives rounds of the executor
// (machine goroutines, executor.go) and the postOffice (messages between
// agents, post.go), and when nothing moves the timeline (timeline.go,
// faults.go) jumps to the next event; bundle.go records into a
// bundle.Writer (TraceBundle). A seed's faults are the deployment's fault
// blocks and, with a swarm block, those it draws (swarm.Draw, in the
// sub-package host/sim/swarm: its own stream from the seed, listed on the
// bundle's swarm line), or a schedule given in their place (Config.Faults,
// which the shrinker replays); coverage.go measures, on the simulated
// network and on the plugins a fault acts through, which of them fired
// (swarm.Coverage, in Outcome.Coverage). What is pure over fault
// schedules — drawing, the shrink's search, the coverage table — is
// host/sim/swarm's, which must not import this package. Invariants
// (invariant.go) are checked after every round of the loop against a
// read-only View, the first violation stopping the simulation. The shared
// network's and clock's control operations, and the fault injection of
// each agent's simulated disk (its sim-storage, configured like them for
// no authority), are the simulator's alone: the agents' calls to them are
// refused (plugins/internal/simcontrol), storage_failure faults reach the
// disk directly, and a test driving a simulation by hand calls them
// through Simulation.Control (control.go).
//
// Around the driver, what `aura-host simulate`, simtest and multihost
// share is the sub-package host/sim/scenario: a deployment's run blocks and
// faults checked as hcl.Diagnostics, one seed simulated (or replayed with
// a given schedule), its report, sweeps of seeds on a worker pool, and the
// shrink of a failing seed's schedule. It imports this package; this
// package must not import it, not even in tests.
//
// A crash fault (restart.go) shuts its agent down and, when it ends, builds
// a new one over what the agent had made durable — its state directory,
// its sim-storage instances, its guard store, its seed-derived key — and
// rebuilds each of its roles from its session log (vm.Resume); envelopes
// for it wait in the network meanwhile. A plugin_crash fault (restart.go)
// restarts one of an agent's own plugins in process, over its state
// directory, taking no virtual time (host.RestartPluginInProcess).
//
// It may import host, host/agent, host/guard, host/session, host/syncer,
// host/sim/bundle, host/sim/swarm, effects, config, sdk, vm and
// internal/atomicfile; nothing in host imports it but host/sim/scenario.
//
// Invariants a newcomer must not break: everything that crosses between
// agents happens in the loop's one goroutine in a fixed order (runs, then
// roles, in declaration order), and time moves only when the loop moves
// it; that is what makes a bundle the same bytes for a seed. A bundle is
// hashed by bundle.Hash only, written or read. Simulations of different
// seeds share nothing (each its own agents, state and virtual clock), so
// a sweep may run them in parallel. An invariant's check reads the simulation and never acts on it (no
// effect that draws randomness, sends or writes): invariants that hold
// leave a bundle the same bytes. Invariant values may be shared by the
// seeds of a sweep, so a check keeps no state of its own between calls.
// A schedule given explicitly (Config.Faults) is applied exactly as a
// drawn one, so the seed's own draw given back gives the same bundle —
// which is what lets a shrunk schedule, written as fault blocks, replay
// the shrinker's last bundle byte for byte.
//
// A crash loses only what a process holds in memory: whatever an agent
// keeps on disk in production (journal, storage, guard.db) must be kept
// across a simulated crash too, or a crash would refill budgets and
// reopen replays. The same holds for a plugin's crash: only what the
// plugin keeps in memory may be lost, and a restarted plugin must not
// give a seeded draw again (its draw epoch is on disk).
package sim
