// Package agent is the agent runtime: one authority's Host with its guard
// chain (capability, flow budget, journal coupling, leakage, receipts), its
// device key, its task supervisor and its typed service facades. New(ctx,
// Config) builds and starts one; Builder is a fluent layer over Config for
// programs that read better that way. StartGroup runs every agent a
// deployment declares together (`aura-host run`), serving the admin
// endpoint as them: an invoke acts as the agent it names, through that
// agent's guard chain; Serve serves a deployment as `aura-host run` does
// (its agents as a group, or a deployment without agent blocks as a plain
// host). StartAs starts what one caller acting as an agent reaches, for a
// one-off call (`aura-host invoke`); CheckServable says why a deployment
// of agents in simulation mode cannot be served. Config.Sync runs the
// anti-entropy sync service (host/syncer) of the agent's journal with its
// peers under the task supervisor (Agent.Sync); AppendSigned journals facts
// signed by the device key, the facts that service ships. Builtin service
// blocks (`service "NAME" { builtin = "KIND" }`) are services the agent
// hosts in process, their kinds host/agent/builtin's (builtin.ServiceKind;
// each service sees the agent through builtin.Agent, its public methods):
// services.go checks the blocks against the kinds, builds the services,
// registers their operations before any plugin and runs them, with the
// services that run on plugins, by a host/lifecycle.Manager after the
// plugins and stopped before them; Agent.Services reports them, and
// builtins.go is the agent's Go API of them (Signals, Subscribe,
// HoldService, CoverService and the facades).
//
// The system family (health_check, get_metrics, get_config, set_config)
// is host/agent/system's: system.go builds one system.Family per agent and
// registers it like device.*, by the runtime, before any plugin, with its
// counters as a router observer; the agent answers the family's
// system.Agent interface with what only it knows (its hosted services'
// settings, applied through a service's Reconfigure, and its local
// health). set_config is guarded (system.set_config must be in the
// agent's allow list), checks the value against the deployment's schema,
// journals a system.config_set fact and refuses with
// *system.ConfigKeyError / *system.ConfigValueError inside an
// invalid_args effects.Error. The local_health_observer service kind
// (localhealth.go) runs host/health over the agent's sends and peers;
// Agent.SchedulerSignals (the family's) turns the agent's flow budgets,
// guard table and local health into the VM's scheduler signals when
// host/sim, host/session or RunProtocol admit a session.
//
// It may import host (and host/agent/system, host/agent/builtin,
// host/admin, host/guard, host/lifecycle, host/health, host/tasks,
// host/threshold, host/syncer, host/metrics, host/tracing, and host/reactive,
// host/holds, host/cover for the Go API of those services), effects (and
// effects/facade), config, sdk, vm and internal/descriptor; it must not
// import host/sim (sim builds agents) or host/supervise (it sees plugins
// only through host.Host).
//
// Invariants a newcomer must not break:
//   - Every call an agent makes — Invoke, a facade, a protocol it runs —
//     goes through its host's Router, with the guard chain installed
//     before the host starts, in every mode.
//   - The guard chain's state (budgets, receipt chains, nonces) is the
//     host's own: a GuardFile (guard.db, 0600) in the agent's state
//     directory in production, a MemStore in testing and simulation —
//     never a plugin, which the agent's own calls could rewrite.
//   - In the deterministic modes (testing, simulation) everything an agent
//     derives — its authority from a label, its device key — comes from
//     the seed, never from the OS's randomness.
//   - In production the device key that signs an agent's receipts is also
//     its transport's libp2p identity: every "transport" plugin of the
//     deployment is given identity_key_file = DeviceKeyFile(state dir,
//     authority), so a peer that authenticates the transport has
//     authenticated the device.
package agent
