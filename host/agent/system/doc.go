// Package system is the system operations family (effects.SystemOps:
// health_check, get_metrics, get_config, set_config) of one agent, and
// what it keeps: the counters of the agent's routed calls (Family.Observe,
// a Router observer), the agent's settings by path ("agent.log_level",
// "service.NAME.FIELD") with the checks set_config makes, and the
// scheduler signals (Family.SchedulerSignals) computed from those
// counters, the flow budgets and the local health observer.
//
// The agent runtime (host/agent) builds one Family per agent with New and
// registers it, like device.*, before any plugin, so no plugin can claim
// the family. The family sees the agent only through the Agent interface,
// which host/agent.Agent satisfies.
//
// It may import host (and host/guard, host/lifecycle, host/health),
// effects and vm/policy; it must not import host/agent (the agent imports
// it), host/sim or host/session (which reach it through an agent).
//
// Invariants a newcomer must not break:
//   - set_config is guarded by the agent's guard chain, before this
//     package sees the call (the allow list must grant
//     system.set_config); a refused key or value changes nothing and
//     journals nothing, and a change a service refuses is never
//     journaled.
//   - The counters are bounded whatever callers do: made-up operation
//     names count under "unknown", error codes past a bound under
//     "other", and only the most recent budgets sent on are watched.
package system
