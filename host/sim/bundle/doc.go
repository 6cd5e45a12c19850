// Package bundle is the trace-bundle format of a simulation: the Writer
// the simulation driver (host/sim) records with, the reader (Read,
// ReadFile, ReadChecked with the digests checked), the one hash of a
// bundle (Hash, for written and read bundles alike), the comparison of two bundles (Compare: a JSON-lines field diff
// that lists header and trace-header differences apart and ignores digest
// chains) with its text form (WriteDiff), and the replay of every machine
// trace with no plugins (Bundle.Replay, built on host/session's
// ReplayTrace) with its text form (WriteReplay; a trace file alone is
// compared by vm/trace.Compare).
//
// A bundle is JSON Lines: a header {"format":"aura-sim-bundle/v1", the
// deployment, the seed, the determinism profile}, each fault as applied on
// virtual time, then per run and role a {"trace":...} line followed by
// that machine's vm trace and a {"times":...} line (the virtual time of
// its entries, as [entry index, ms] marks), each run's outcome, and the
// end.
//
// It may import vm, vm/trace, vm/policy and host/session; it must not
// import host/sim (the driver imports it) or anything that starts a
// plugin.
//
// Invariants: the writer's lines are JSON with sorted keys and nothing
// from the wall clock, so a seed gives the same bytes; every bundle line
// the reader does not know as the bundle's own ("fault", "trace",
// "trace_error", "times", "outcome", "end", each alone on its line) belongs to the
// machine trace it follows, and a trace line outside one is an error.
package bundle
