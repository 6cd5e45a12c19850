// Package effects is the effect vocabulary of Aura Host: operation IDs
// ("family.operation"), the Value union that every argument, result, config
// field and trace entry is made of, the Call a caller makes and the Handler
// that answers it, the Registry that maps each operation to exactly one
// handler, the identifiers of the Aura platform (authorities, contexts,
// sessions) and the typed errors that cross every boundary.
//
// The IDs of the built-in plugins' operations are constants here, one file
// per family group (ops_clock.go, ops_network.go, ...), named family then
// operation (ClockPhysicalTime is "clock.physical_time"; an operation that
// repeats its family drops the repeat: RandomBytes is
// "random.random_bytes"). Code calling or serving a built-in operation uses
// the constant, never the string; a test in package plugins checks that
// the constants and the built-ins' declarations match one for one. The
// device family (ops_device.go) is the exception: the agent runtime serves
// it with the agent's device key, and DeviceOps declares it here, with the
// signing domain (DeviceSigningMessage) every verifier must rebuild.
//
// It imports nothing of the project: config, vm, sdk, host and plugins all
// speak this vocabulary, so it must stay at the bottom of the import graph.
//
// Invariants a newcomer must not break:
//   - A Value's canonical encoding is deterministic (maps are kept sorted by
//     key, no floats, no trailing bytes): traces hash the same on every run.
//   - An operation has at most one handler in a Registry; a second claimant is
//     an error that names both, never a silent override.
package effects
