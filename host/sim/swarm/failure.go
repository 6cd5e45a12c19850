package swarm

import "fmt"

// Failure is the way a simulation failed, which a shrunk schedule keeps:
// the invariant violated or, without one, the first failed run and the
// kind of its fault. The shrinker compares failures, never bundles: a
// smaller schedule fails the same way with a different trace.
type Failure struct {
	// Invariant names the violated invariant; empty for a run failure.
	Invariant string `json:"invariant,omitempty"`
	// Run and Kind are the first failed run and its fault's kind (a
	// vm.FaultKind's name, or "error" for a failure that is not a VM
	// fault); empty for an invariant violation.
	Run  string `json:"run,omitempty"`
	Kind string `json:"kind,omitempty"`
}

// String is the failure for people, as a shrink report prints it.
func (f Failure) String() string {
	if f.Invariant != "" {
		return fmt.Sprintf("invariant %q violated", f.Invariant)
	}
	return fmt.Sprintf("run %q failed with %s", f.Run, f.Kind)
}
