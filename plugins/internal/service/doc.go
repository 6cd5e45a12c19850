// Package service is what the built-in service plugins (session, auth,
// invitation, recovery, rendezvous) share: the lifecycle of a service whose
// state is derived from journal facts (Runtime, and the plugin declaration
// it runs, Runtime.Plugin), the effects such a service calls through the
// host (Effects), the fact envelope it journals (Fact, and ExpiryFact for
// an entry that expired), readers for arguments and fact bodies (Fields),
// and the order in which a service lists and walks its entries (Oldest).
//
// Invariants a newcomer must not break:
//
//   - A service reaches other effects only through the *sdk.HostClient it is
//     given — journal for persistence and audit, clock for time, random for
//     identifiers and challenges, crypto for signatures — so every call
//     passes the host's guard chain and a simulation's virtual clock and
//     seeded randomness reach the service. Nothing here reads time.Now or
//     crypto/rand.
//   - A service's in-memory state is a function of its journal facts (and
//     of the time): Runtime rebuilds it by replaying the facts at Start, or
//     before the first operation when an operation arrives first, so a
//     restarted service answers exactly as before.
//   - Operations run one at a time (Runtime.Do), so a state check, the
//     journal write it leads to and the state change after it are atomic
//     with respect to other operations. Health never waits for an
//     operation.
//
// The package imports only sdk and effects from the project.
package service
