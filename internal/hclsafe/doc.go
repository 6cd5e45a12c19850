// Package hclsafe checks HCL source bytes for what would make the HCL
// parser itself fail badly, before the parser sees them: nesting deep
// enough to overflow its stack (hclsyntax recurses once per level of
// brackets, string interpolation and template directive, and builds an
// expression tree as deep as a chain of operators, indexes or calls, which
// evaluation then recurses through), and bytes that are not UTF-8 text (a binary file makes the
// parser report one diagnostic per byte, about 1 GB for 8 MiB).
//
// Check is a single linear pass over the bytes with no allocation beyond
// its stack of open brackets, which is bounded by the limit. It tracks
// strings, heredocs and comments well enough that a bracket inside them
// is not counted; where it cannot tell, it counts more rather than less,
// so the parser never nests deeper than the depth Check measured.
//
// hclsafe imports only hcl and the standard library, and never the
// operating system: both config and the VM's front end (vm/syntax) call
// it on bytes they were given.
//
// Invariant a newcomer must not break: Check never accepts input whose
// parse nests deeper than the limit, and never rejects a file the
// project's own examples and tests use (they nest a few levels).
package hclsafe
