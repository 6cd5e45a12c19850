// Package scenario is what `aura-host simulate`, simtest and multihost
// share around the simulation driver (host/sim): a deployment checked for
// simulation and the seeds simulated, described, swept and shrunk.
//
// Its parts: Scenario (scenario.go) — Load checks a deployment's run
// blocks and faults as hcl.Diagnostics, each at its line, before any
// agent starts (protocols compile, roles maps bind exactly the protocols'
// roles, network faults and clock skews have a simulated network and
// clock to act on; CheckSchedule does the same for a fault file), and
// Simulate runs one seed over sim.New, SimulateSchedule one seed with a
// given schedule in place of its fault blocks and swarm block
// (sim.Config.Faults). Report (report.go, report_text.go) describes a
// seed's sim.Outcome for people and, as JSON, for scripts, and places a
// failed run's fault at its line (RunFaultDiagnostic). Sweep (sweep.go)
// simulates a SeedRange on a worker pool and delivers outcomes in seed
// order; SweepSeeds sums them up in a SweepReport, with the coverage
// table (swarm.CoverageTable); sweep_text.go prints a sweep's first line
// and the command that reproduces a failing seed (ReproduceCommand).
// Shrink (shrink.go) minimises a failing seed's schedule with
// swarm.Shrink, each candidate replayed with SimulateSchedule and judged
// by FailureOf; ShrinkReport (shrink_text.go) prints the result as fault
// blocks with the command that replays it (ShrunkCommand).
//
// It may import host/sim, host/sim/swarm, host/session, config, effects,
// sdk and vm; host/sim must not import it (nor its tests): the driver
// knows nothing of scenarios, reports or sweeps.
//
// Invariants a newcomer must not break: a sweep's seeds are independent
// simulations — running them in parallel changes no outcome, and outcomes
// are delivered in seed order whatever the workers' pace. Load reports a
// mistake in the file as a diagnostic with a range, never as an error
// without its line. The shrinker compares failures (swarm.Failure), never
// bundles, and keeps the outcome of the schedule it returns, so that the
// command it prints can be checked against it byte for byte.
package scenario
