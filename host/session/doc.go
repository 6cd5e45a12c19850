// Package session hosts one protocol session over one deployment, and
// replays a recorded one: it selects and compiles a protocol from its
// source file, reads the rules by which the host decides choices the
// protocol leaves to it ("Guardian[*]" picks "Approve"), wraps the
// deployment's router as the machine's vm.Effects (counting host calls
// for progress reports), runs every role in one machine, and returns the
// session's Outcome as data, with its text form, its fault as an
// hcl.Diagnostic and its trace recorded to a file. With
// Config.TracerProvider it also makes OpenTelemetry spans (host/tracing):
// the session's, one per role, and each role's routed calls under its own. `aura-host protocol run`, `protocol project` and `trace
// replay` print what it returns; host/sim reuses the protocol compilation,
// the decide rules, the fault reports and the replay for its run blocks
// and trace bundles; simtest takes the decide rules.
//
// Files: protocol.go (choosing one protocol in a file, compiling,
// projecting), decide.go (decide rules), effects.go (the vm.Effects
// decorator), run.go (Config and Run), outcome.go (the outcome model,
// Record), text.go (its text form, values abbreviated with secrets
// hidden, the fault as a diagnostic), replay.go (reading and replaying a
// trace file, a replay's text form and failure, a divergence as a
// diagnostic).
//
// It may import host (and host/agent: a deployment with agent blocks is
// served by the agent the session acts as, through its guard chain),
// effects, config and vm (and vm's sub-packages); it must not import
// host/sim, plugins or the CLI, and it writes only to the io.Writer it
// is given, or the file Outcome.Record is given (whole or not at all,
// internal/atomicfile): diagnostics are returned, not printed.
//
// Invariants: a protocol mistake is an hcl.Diagnostic at its line in the
// user's file (a file holding several protocols is narrowed by blanking
// the others, so lines and columns never move); a decide rule that names
// no role, or a label the host is never asked to choose, is an error, not
// a silently seeded choice; and every choice no rule applies to is the
// seed's, so the same seed gives the same session.
package session
