// Package simnetwork is the built-in simulation network plugin,
// "sim-network": an in-memory network between agents, with faults drawn
// from the deployment's seed and delivery scheduled on virtual time. It
// serves the "network" family (the transport plugin's operations, so a
// deployment swaps it in by HCL), the "network_faults" family that sets
// faults (drop, delay, duplication, reordering, partitions), and the
// "network_control" family through which a simulator moves the network's
// virtual time.
//
// Network is the simulated network itself, usable in process: a host that
// runs several agents in one process gives them one Network (Send,
// Receive, Advance) and drives its time directly.
//
// Invariants a newcomer must not break:
//
//   - All randomness comes from one stream seeded by the seed, and every
//     send draws the same number of values whatever the fault settings, so
//     the same seed and the same sequence of calls give identical
//     deliveries: same envelopes, same order, same times.
//   - An envelope sent at virtual time t with delay d becomes receivable
//     at t+d, and only when the network's time (Advance, tick) reaches it;
//     real time plays no part. Deliveries due together are made in order of
//     delivery time, then (without reordering) send order, so one link is
//     FIFO unless reordering is on.
//   - A partition drops what it separates, both at send and at delivery: an
//     envelope in flight when a partition forms is lost, as on a real
//     network.
//
// The package imports only sdk and effects from the project.
package simnetwork
