// Package project projects a checked global protocol (vm/syntax) to one
// local type per role, merging the branches a role takes no part in, and
// checks that the local types are dual: every send has its receive.
// Projection.Text and TextOf render local types for people (what
// `aura-host protocol project` prints).
//
// # Imports
//
// project imports vm/syntax, and nothing else of the project. It never
// touches the operating system.
//
// # Invariants
//
//   - Project either returns a projection whose every local type is
//     guarded and dual to its partners', or diagnostics at the global
//     step that cannot be projected; never both an error and a result.
//   - A Projection, like the Protocol it comes from, is immutable. Local
//     types share continuations (they are DAGs, not trees): walk them
//     with memoisation.
package project
