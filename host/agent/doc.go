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
// hosts in process (ServiceKind: the catalogue's views in catalogue.go,
// …), started with the services that run on plugins by a
// host/lifecycle.Manager after the plugins and stopped before them;
// Agent.Services reports them.
//
// It may import host (and host/guard, host/lifecycle, host/tasks,
// host/threshold, host/syncer), effects (and effects/facade), config, sdk and vm; it must
// not import host/sim (sim builds agents) or host/supervise (it sees plugins only through
// host.Host).
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
