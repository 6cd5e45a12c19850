// Package policy names how a session runs: the scheduler policies of
// AURA-SPEC §8 and the rule that selects one (SelectScheduler), the
// execution-policy classes a protocol may declare (capture granularity,
// heaviness, step-budget multiplier), and the trace capture granularities.
// A protocol declares these names (vm/syntax), the machine applies them
// (vm), a trace header records them (vm/trace).
//
// # Imports
//
// policy imports nothing of the project, and nothing outside the
// standard library's fmt and strings.
//
// # Invariants
//
//   - The tables are fixed at build time: the same name selects the same
//     policy on every machine, so a recorded header replays.
package policy
