// Package lifecycle is the runtime's service lifecycle (AURA-SPEC §5): the
// Service interface every runtime service implements — a plugin-backed
// one as well as one the agent hosts in process (the reactive pipeline,
// the local health observer, holds, cover traffic, maintenance) — and the
// Manager that starts services in dependency order, checks each is
// operational once started, stops them in reverse order within a timeout
// each, and reports every service's health for `status`.
//
// It imports nothing of the project: services are built elsewhere
// (host/agent wires them) and handed to a Manager.
//
// Invariants a newcomer must not break:
//   - Start order is topological over Dependencies, ties broken by the
//     order services were added; a cycle or a dependency on a name that
//     is neither a service nor external (a plugin already started) is an
//     error before anything starts.
//   - A failed start stops, in reverse, every service already started:
//     nothing is left running.
//   - Stop is idempotent and stops each service once, last started first,
//     each within Config.StopTimeout even if it does not return.
package lifecycle
