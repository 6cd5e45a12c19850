// Package clock is the built-in clock plugin: wall-clock time with an
// uncertainty bound, cancellable sleeps, a Lamport logical clock, and
// opaque totally ordered time tokens. Its operations form the "clock"
// family; New returns the plugin declaration, served by aura-host as
// `aura-host plugin serve clock`.
//
// This plugin always reads the machine's wall clock, in every mode.
// Simulations that need virtual time swap in a simulation clock plugin that
// serves the same operations; they must not depend on this one.
//
// Invariants a newcomer must not break:
//
//   - sleep_ms returns as soon as its call is cancelled or its deadline
//     passes, with the cancelled or timeout error: a sleeping call never
//     outlives its caller.
//   - The logical clock only moves forward, and order_time tokens strictly
//     increase within one plugin instance even when the wall clock steps
//     backwards. Both reset when the plugin process restarts.
//
// The operations' declarations and the logical clock (Lamport time and
// order_time tokens) live in plugins/internal/clockops, shared with
// sim-clock, which serves the same operations on virtual time.
//
// The package imports only sdk and plugins/internal/clockops from the
// project.
package clock
