// Package builtin holds the pure built-in functions and operators of the
// protocol language's expressions (len, concat, union, checked integer
// arithmetic, ...), one table that both the syntax (arity) and the
// compiler (evaluation) read.
//
// # Imports
//
// builtin imports effects, and nothing else of the project. It never
// touches the operating system.
//
// # Invariants
//
//   - Every built-in is deterministic: the same arguments give the same
//     result on every machine. Integers only, arithmetic is checked (an
//     overflow is an error, never a wrap-around), sets are sorted by
//     canonical encoding.
package builtin
