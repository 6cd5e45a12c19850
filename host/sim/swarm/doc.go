// Package swarm is the part of swarm testing that is pure over fault
// schedules (config.Fault values) and how simulations of them failed:
// drawing a seed's faults from a deployment's swarm block (Draw, on a
// splitmix64 stream of the seed's own, draw.go and rand.go, and Line, a
// drawn fault as the bundle's swarm line lists it), shrinking a failing
// schedule to the smallest that still fails the same way (Shrink over a
// callback that simulates a schedule and says how it failed, a Trial;
// Failure is what it compares; simpler.go holds the candidate
// simplifications), and the fault kinds whose firing is measured, with a
// sweep's coverage table (coverage.go). The driver that simulates a
// schedule, measures what fired and records the bundle is host/sim, which
// imports this package.
//
// It may import config and the standard library only: never host/sim
// (which imports it), never a plugin, agent or the VM — a schedule is
// data here, and the simulation a function it is given.
//
// Invariants a newcomer must not break: Draw is a function of its
// arguments alone (the same seed and bounds draw the same schedule on
// every platform and Go version), and a bound added for a later kind must
// leave the earlier kinds' draws as they were (the kinds are drawn in a
// fixed order from one stream). Shrink is greedy and deterministic: it
// tries candidates in a fixed order, keeps the first that fails the same
// way (Failure, never the bundle), never changes the schedule it is given,
// and returns the Outcome of the very schedule it keeps, so that the
// reproduce command can be checked against it byte for byte.
package swarm
