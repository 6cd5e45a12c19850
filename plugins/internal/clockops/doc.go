// Package clockops is what the clock plugin and sim-clock, its stand-in on
// virtual time, share: the declarations of the "clock" family's operations
// (Operations, served by the Handlers each plugin passes) and the logical
// time of one authority (Logical: a Lamport clock and the order_time
// tokens, TokenSize bytes each). Both plugins build their clock operations
// here, so their IDs, parameters, result kinds, idempotence and determinism
// are written once and a swap by HCL breaks no caller.
//
// Invariants a newcomer must not break:
//
//   - Operations only declares: it reads no clock, wall or virtual. What
//     time is, is the Handlers' business.
//   - Logical only moves forward, and its order_time tokens strictly
//     increase even when the time it is given steps back; the token layout
//     (milliseconds, sequence, authority, big-endian) is what orders tokens
//     as byte strings, and recorded traces hold such tokens.
//
// The package imports only sdk and effects from the project, never a
// plugin: it is imported by plugins/clock and plugins/simclock.
package clockops
