// Package sim is the simulation driver: several agents of one deployment
// in one process on one virtual timeline, sharing one simulated network
// and one virtual clock, with the deployment's faults applied on schedule,
// and the trace bundle it writes (bundle.go: the canonical record of a
// run, byte-identical for a seed). The same deployment also runs in
// production mode, each agent's transport on loopback TCP.
//
// Its parts: Simulation (simulation.go) builds the agents and binds
// protocol runs to them; the loop (loop.go) drives rounds of the executor
// (machine goroutines, executor.go) and the postOffice (messages between
// agents, post.go), and when nothing moves the timeline (timeline.go,
// faults.go) jumps to the next event.
//
// It may import host, host/agent, host/guard, effects, config, sdk and vm;
// nothing in host imports it.
//
// Invariant a newcomer must not break: everything that crosses between
// agents happens in the loop's one goroutine in a fixed order (runs, then
// roles, in declaration order), and time moves only when the loop moves
// it; that is what makes a bundle the same bytes for a seed.
package sim
