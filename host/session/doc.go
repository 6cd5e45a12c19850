// Package session hosts one protocol session over one deployment: it
// selects and compiles a protocol from its source file, reads the rules by
// which the host decides choices the protocol leaves to it ("Guardian[*]"
// picks "Approve"), wraps the deployment's router as the machine's
// vm.Effects (counting host calls for progress reports), runs every role
// in one machine, and returns the session's Outcome as data. `aura-host
// protocol run` renders that outcome; host/sim reuses the protocol
// compilation and the decide rules for its run blocks.
//
// Files: protocol.go (choosing one protocol in a file, compiling it),
// decide.go (decide rules), effects.go (the vm.Effects decorator), run.go
// (Config and Run), outcome.go (the outcome model).
//
// It may import host, effects, config and vm (and vm's sub-packages); it
// must not import host/sim, plugins or anything that prints: a caller
// renders the Outcome and the diagnostics it gets back.
//
// Invariants: a protocol mistake is an hcl.Diagnostic at its line in the
// user's file (a file holding several protocols is narrowed by blanking
// the others, so lines and columns never move); a decide rule that names
// no role, or a label the host is never asked to choose, is an error, not
// a silently seeded choice; and every choice no rule applies to is the
// seed's, so the same seed gives the same session.
package session
