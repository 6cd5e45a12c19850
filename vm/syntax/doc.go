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
// project (and internal/hclsafe, the pre-scan of HCL bytes): no
// projection, compiler or machine. It never touches the
// operating system: it parses the bytes it is given.
//
// # Limits
//
// A protocol file is untrusted input; checking it costs time and memory
// linear in its size, within these limits (each refusal is a diagnostic):
//   - nesting: Parse runs internal/hclsafe before the HCL parser, which
//     refuses bytes that are not UTF-8 and nesting deeper than 512 levels
//     (brackets, blocks, templates, and the operators, indexes and calls
//     of one expression), at the line and column where the limit is
//     passed (ParseExpr too);
//   - roles: at most MaxRoles (4096), family members included;
//   - steps: at most MaxSteps (32,768) after family expansion, since
//     projection, the checks and the compiler recurse one level per step
//     in sequence;
//   - size: roles × steps after family expansion at most
//     MaxProjectionSize (2^22), since projection walks every step once
//     per role. Both are counted before expansion.
//
// The checks themselves are linear in the expanded protocol times its
// nesting: bindings are tracked with an undo trail (a choice costs what
// its branches bind), recursion scopes are shared lists, and nothing
// copies the environment per step. Reading the file (size cap, regular
// files only) is the caller's job: config.ReadSource does it.
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
