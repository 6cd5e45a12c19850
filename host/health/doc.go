// Package health is the local health observer (AURA-SPEC §5
// local_health_observer): it smooths what one agent sees of its network —
// the round-trip time and the loss of its sends, the fill of its inbound
// queue, the churn of its connected peers, the success of the holds it
// asked for — with exponential moving averages (EMA), and turns each into
// a degraded/healthy flag with hysteresis, so a signal hovering at a
// threshold does not flap. Its Snapshot feeds `status` (as a Health with
// a reason), system.get_metrics and the VM's scheduler signals.
//
// It is pure: it imports effects and host/lifecycle only, reads no clock
// (callers pass the times of their samples) and starts nothing. The agent
// wires it (host/agent, service kind "local_health_observer"): a Router
// observer feeds the sends, a periodic task on the agent's clock polls
// network.connected_peers, and other services call ObserveQueue and
// ObserveHold.
//
// Invariants a newcomer must not break:
//   - A signal degrades only when its average reaches the band's High
//     threshold and recovers only when it falls to Low or below (Low <
//     High, checked by Config.Validate): between the two it keeps its
//     state.
//   - The first sample of an EMA is taken as is; each later one moves the
//     average by Alpha of the difference. No sample, no verdict: a signal
//     never sampled is healthy.
//   - Everything is a function of the samples given, in order: the same
//     samples give the same Snapshot (simulations depend on it).
package health
