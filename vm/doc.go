// Package vm is the choreography VM of Aura Host: the machine that runs
// sessions of a compiled protocol, its schedulers, its one effect boundary
// (Effects), and the recording and replay of traces. The language and
// its compiler live in sub-packages, split the way language
// implementations split front end from machine (as starlark-go does):
//
//	vm/syntax            the protocol model, expressions, the HCL language, well-formedness
//	vm/interchange       the JSON interchange form of MPST tools (read and write)
//	vm/project           projection to one local type per role, duality
//	vm/internal/compile  instructions and compiled expressions: only vm reads them
//	vm/internal/builtin  the expression language's pure built-ins
//	vm/policy            scheduler policies, execution policies, capture granularities
//	vm/trace             trace entries, hash, JSON Lines form, diff
//	vm                   Program, Machine, scheduler, Effects, replay, resume
//
// # Pipeline
//
//	Load (syntax.Parse / interchange.ParseJSON)  bytes -> *syntax.Protocol (checked; hcl.Diagnostics at file:line:col)
//	project.Project                              *syntax.Protocol -> *project.Projection (one local type per role, merged, dual)
//	Compile                                      *syntax.Protocol -> *Program (code per role, plus a monitor)
//	NewMachine + Run                             one session: coroutines, FIFOs, scheduler, step budget
//	Drain / Deliver                              hosting one machine per (session, role)
//	Machine.Trace / trace.Trace.WriteJSONL / ReadTrace / Replay / ReplayTrace / trace.Trace.Hash
//	Resume                                       a machine rebuilt from its full trace (a crashed host's session log), then live
//
// What `aura-host protocol check` reports of a program's code (its size,
// sends, receives, effects, the choices the host decides) are methods of
// RoleCode; the instructions themselves are not exported. LANGUAGE.md
// describes the language.
//
// # Imports
//
// vm imports effects and its own sub-packages, and nothing else of the
// project; no sub-package imports vm. It never touches the operating
// system: no os, net, math/rand or time.Now, in any of its packages. It
// parses the bytes it is given, and everything outside the machine —
// branch decisions, payloads, effect results, guards, time, randomness —
// is asked of the one Effects interface. The project's import test
// enforces this.
//
// # Determinism rules
//
// A session is a pure function of its program, its configuration and the
// sequence of answers its Effects gives (and, for a hosted role, the
// messages delivered to it). To keep it so:
//
//   - The machine reads no clock and draws no randomness. Time (now) and
//     randomness (random) are effects, recorded like any other.
//   - Scheduling depends only on the machine's state: the policy, the
//     quantum, the buffer capacities and the role order — never on
//     goroutines, timers or map iteration. One goroutine drives a machine.
//   - Expressions are pure: integers only (no floats), checked arithmetic,
//     maps with sorted keys, built-ins that sort by canonical encoding.
//   - Every effect request and its outcome, every message sent, received or
//     delivered is a trace entry, in canonical order (ordering key = the
//     machine step, then effect ID, then kind). A Full trace holds every
//     input the session had, so Replay reruns it with no handler and
//     fails with a Determinism fault at the first index where the run asks
//     for something else. Values hash by their canonical encoding, so the
//     same seed gives the same trace hash, byte for byte, on every machine.
//   - An Effects that wants reproducible runs answers deterministically
//     too: RegistryEffects derives its answers from a seed per (session,
//     role), so machines sharing it may interleave freely.
//
// # Invariants
//
//   - Every step commits all or nothing. A step that blocks (empty
//     receive buffer, full send buffer, refused guard) changes nothing and
//     is retried; a step that faults changes nothing either, though the
//     effect requests it made stay in the trace, since they happened.
//   - Every step is checked against the role's local type (the monitor):
//     a message with a label or sort the local type does not allow is a
//     ContractViolation, never silently accepted.
//   - A session never hangs: each turn spends a step of a finite budget
//     (AURA-SPEC §8), and running out is a BoundExceeded fault.
package vm
