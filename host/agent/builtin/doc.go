// Package builtin is the builtin services an agent hosts in process, the
// kinds a deployment names in `service "NAME" { builtin = "KIND" }`: the
// reactive pipeline (reactive.go, host/reactive), the hold service
// (holds.go, host/holds), cover traffic (cover.go, host/cover), the local
// health observer (localhealth.go, host/health), the social topology and
// path selection (social.go, host/social), the runtime's periodic
// maintenance (maintenance.go: invitation expiry, flow-budget epoch
// rotation, the agent's own descriptor republished before it expires,
// guardian ceremonies advanced) and the catalogue's views over the guard
// chain's and the agent's state (catalogue.go). Kinds lists them; a
// ServiceKind is a kind's schema, operations, default dependencies and
// constructor.
//
// host/agent checks the service blocks against the kinds, builds each
// service from a ServiceEnv, registers its operations before any plugin
// and runs it under a host/lifecycle.Manager. A service sees its agent
// only through the Agent interface — the agent's public methods, which
// host/agent.Agent has — so it acts as any caller of the agent does.
//
// It may import host (and host/guard, host/lifecycle, host/tasks,
// host/syncer and the services' own packages host/reactive, host/holds,
// host/cover, host/health, host/social), effects (and effects/facade),
// config and internal/descriptor; it must not import host/agent (the agent
// imports it) or host/sim.
//
// Invariants a newcomer must not break:
//   - A service's New does not call the agent's operations: they work
//     from its Start on (only Router().Observe and Host().Registry work
//     during New).
//   - A service's periodic work (the hold service's pump, cover's ticks,
//     maintenance's jobs, the health observer's poll) is tasks of the
//     agent's task supervisor, in the group "service-NAME", on the agent's
//     clock (virtual in simulation): Shutdown cancels and awaits them, and
//     a simulated run stays deterministic.
package builtin
