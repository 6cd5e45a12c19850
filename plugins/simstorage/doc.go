// Package simstorage is the built-in simulation storage plugin,
// "sim-storage": the operations of the "storage" family — declared, with
// their argument readers, once for it and the storage plugin in
// plugins/internal/storageops, so a deployment swaps it in by HCL — served
// over an in-memory map, plus the "fault_injection" family that makes
// storage calls fail on purpose. Only the disk's owner may call
// fault_injection (plugins/internal/simcontrol): the authority the
// instance was configured for, and on one configured for none — each
// agent's disk in host/sim — only a call with no authority, the
// simulator's; an agent storing on it is refused (denied), whatever its
// allow list.
//
// Invariants a newcomer must not break:
//
//   - Injected failures are decided by a stream seeded from the
//     configuration's seed and the calling authority: the same seed, fault
//     settings and sequence of calls fail the same calls, whether the
//     instance is configured for the authority or for none. A failed call
//     changes nothing and returns a retryable unavailable error, as a
//     storage plugin that is down would.
//   - Each authority has its own data: a host that shares one instance
//     between its agents gives each the store it would have had alone.
//   - Apart from durability (the data lives as long as the process) every
//     operation behaves as the storage plugin's: the same key rules, the
//     same errors, keys listed in byte order, an empty value is a value.
//
// The package imports only sdk and effects from the project,
// plugins/internal/storageops and plugins/internal/standin for the
// declarations it shares with the storage plugin, and
// plugins/internal/simcontrol for who may inject faults; never
// plugins/storage itself. The tests that run it against the storage plugin live in package
// plugins (standin_test.go).
package simstorage
