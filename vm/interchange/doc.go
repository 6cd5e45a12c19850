// Package interchange is the JSON interchange form of multiparty-session-
// type tools, in both directions: ParseJSON reads a global type (as
// syntax.Parse reads HCL), GlobalJSON writes one, and LocalJSON and
// ProjectionJSON write the local types of a projection.
//
// # Imports
//
// interchange imports vm/syntax and vm/project, and nothing else of the
// project. It never touches the operating system.
//
// # Invariants
//
//   - ParseJSON ends with syntax.CheckGlobal, so what it returns is as
//     well formed as what syntax.Parse returns; mistakes are diagnostics
//     at the JSON node's file:line:col.
//   - The writers are deterministic (fixed key order), and what
//     GlobalJSON writes, ParseJSON reads back to the same projections.
//   - A shared continuation is written out in full, up to a bound on the
//     nodes written; past it the writers fail rather than grow without end.
package interchange
