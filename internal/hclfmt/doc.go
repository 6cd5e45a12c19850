// Package hclfmt puts HCL files — deployments and protocols alike — in
// their canonical layout, as `aura-host fmt` does: hclwrite's layout
// (indentation, spacing, aligned equals signs), LF line endings outside
// heredocs, and exactly one newline at the end of the file.
//
// Format works on bytes and never on meaning: it refuses a file that does
// not parse (its diagnostics say where), and it checks every result
// against its source token by token, so a layout change that would
// change a single token is refused rather than written. Expand and File
// add what a command needs around it: which files a directory holds
// (symbolic links inside it are never followed) and rewriting a file in
// place, whole or not at all, with its permissions kept.
//
// It imports config (ReadSource: the size limit and the refusal of
// FIFOs and devices every file read in the project has),
// internal/hclsafe (the nesting pre-scan before the parser) and
// internal/atomicfile, and nothing of the runtime.
package hclfmt
