// Package syntax is the front end of the VM's protocol language: the model
// of a checked global choreography (Protocol, Global, Action, Label,
// Sort, Target), the expression language (Expr and its node types), and
// the HCL protocol language's parser with its well-formedness checks
// (vm/LANGUAGE.md). Parse turns bytes into a *Protocol or hcl.Diagnostics
// at file:line:col; CheckGlobal is the check every front end ends with
// (vm/interchange reads the JSON form and calls it too).
//
// # Imports
//
// syntax imports effects (values and operation IDs), vm/policy (the
// scheduler and execution-policy names a protocol may declare) and
// vm/internal/builtin (the built-ins' arity), and nothing else of the
// project: no projection, compiler or machine. It never touches the
// operating system: it parses the bytes it is given.
//
// # Invariants
//
//   - A *Protocol that Parse returns without errors is well formed (roles
//     known, no self-send, choices decided by their sender, recursion
//     bound and guarded, bindings set before use), and immutable: safe to
//     share between goroutines and sessions.
//   - Every mistake in a protocol is a diagnostic with the range of the
//     offending step; panics are for bugs in the caller, never for input.
//   - Two expressions are equal exactly when their String forms are, and
//     String renders source that parses back to the same expression.
package syntax
