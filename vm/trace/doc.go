// Package trace is the record of a session: entries (every effect request
// and outcome, every message committed or delivered) in canonical order,
// the header that says how to run the session again, the hash over the
// entries, the JSON Lines form with its digest chain (WriteJSONL, Read),
// and the comparison of two traces (Compare and its parts) that
// `aura-host trace diff` prints.
//
// The machine (package vm) records traces and replays them; vm.ReadTrace
// reports a corrupt entry as a Determinism fault, as a replay divergence.
//
// # Imports
//
// trace imports effects and vm/policy, and nothing else of the project. It
// never touches the operating system: it reads and writes the io.Reader
// and io.Writer it is given.
//
// # Invariants
//
//   - Values hash by their canonical encoding: two runs that did the same
//     thing hash the same, byte for byte, on every machine. The hash
//     covers the entries only, not the header.
//   - Each JSON line carries a BLAKE3 digest chained from the header and
//     every entry before it: Read finds the first altered or missing line.
//   - The entry format (field names, kinds, the interface names
//     "vm.host" and "vm.channel") is the trace format Format names; a
//     change to it is a new format tag.
package trace
