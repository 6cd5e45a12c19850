// Package vm is the choreography VM of Aura Host: the protocol language
// (HCL, and the JSON interchange form of multiparty-session-type tools),
// well-formedness checks, projection of a global protocol to one local
// type per role, compilation to instructions, and a deterministic machine
// that runs sessions, records their traces and replays them.
//
// # Pipeline
//
//	Parse / ParseJSON / Load  bytes -> *Protocol (checked; hcl.Diagnostics at file:line:col)
//	Project                   *Protocol -> *Projection (one *Local per role, merged, dual)
//	Compile                   *Protocol -> *Program (one instruction list per role, plus a monitor)
//	NewMachine + Run          one session: coroutines, FIFOs, scheduler, step budget
//	Drain / Deliver           hosting one machine per (session, role)
//	Trace / WriteJSONL / ReadTrace / Replay / Trace.Hash
//
// CheckFile and ProjectFile are what `aura-host protocol check` and
// `aura-host protocol project` print. LANGUAGE.md describes the language.
//
// # Imports
//
// vm imports effects and nothing else of the project. It never touches the
// operating system: no os, net, math/rand or time.Now. It parses the bytes
// it is given, and everything outside the machine — branch decisions,
// payloads, effect results, guards, time, randomness — is asked of the one
// Host interface. The project's import test enforces this.
//
// # Determinism rules
//
// A session is a pure function of its program, its configuration and the
// sequence of answers its Host gives (and, for a hosted role, the messages
// delivered to it). To keep it so:
//
//   - The machine reads no clock and draws no randomness. Time (now) and
//     randomness (random) are host effects, recorded like any other.
//   - Scheduling depends only on the machine's state: the policy, the
//     quantum, the buffer capacities and the role order — never on
//     goroutines, timers or map iteration. One goroutine drives a machine.
//   - Expressions are pure: integers only (no floats), checked arithmetic,
//     maps with sorted keys, built-ins that sort by canonical encoding.
//   - Every host request and its outcome, every message sent, received or
//     delivered is a trace entry, in canonical order (ordering key = the
//     machine step, then effect ID, then kind). A Full trace holds every
//     input the session had, so Replay reruns it with no handler and
//     fails with a Determinism fault at the first index where the run asks
//     for something else. Values hash by their canonical encoding, so the
//     same seed gives the same trace hash, byte for byte, on every machine.
//   - A host that wants reproducible runs answers deterministically too:
//     RegistryHost derives its answers from a seed per (session, role), so
//     machines sharing it may interleave freely.
//
// # Invariants
//
//   - Every step commits all or nothing. A step that blocks (empty
//     receive buffer, full send buffer, refused guard) changes nothing and
//     is retried; a step that faults changes nothing either, though the
//     host requests it made stay in the trace, since they happened.
//   - Every step is checked against the role's local type (the monitor):
//     a message with a label or sort the local type does not allow is a
//     ContractViolation, never silently accepted.
//   - A session never hangs: each turn spends a step of a finite budget
//     (AURA-SPEC §8), and running out is a BoundExceeded fault.
package vm
