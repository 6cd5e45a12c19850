package scenario

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/sim/swarm"
)

// ShrinkReport is a shrink as `simulate --seeds` prints it after a
// failing sweep, and in the sweep's JSON (SweepReport.Shrunk).
type ShrinkReport struct {
	Seed        uint64        `json:"seed"`
	Failure     swarm.Failure `json:"failure"`
	Original    int           `json:"original_faults"` // faults of the failing schedule
	Faults      int           `json:"faults"`          // faults of the shrunk one
	Simulations int           `json:"simulations"`
	Exhausted   bool          `json:"exhausted"` // the budget ran out first
	// HCL is the shrunk schedule as fault blocks.
	HCL string `json:"hcl"`
	// Written is the fault file HCL was written to; Reproduce replays it.
	Written    string `json:"written,omitempty"`
	BundleHash string `json:"bundle_hash"` // of the shrinker's last simulation
	Reproduce  string `json:"reproduce,omitempty"`
}

// NewShrinkReport sums s up, its schedule as fault blocks; an error when
// a fault of it cannot be written as one (config.WriteFaults).
func NewShrinkReport(s *swarm.Shrunk[*sim.Outcome]) (*ShrinkReport, error) {
	var b bytes.Buffer
	if err := config.WriteFaults(&b, s.Faults); err != nil {
		return nil, fmt.Errorf("the shrunk schedule of seed %d: %w", s.Seed, err)
	}
	return &ShrinkReport{Seed: s.Seed, Failure: s.Failure, Original: s.Original, Faults: len(s.Faults),
		Simulations: s.Simulations, Exhausted: s.Exhausted, HCL: b.String(), BundleHash: s.Outcome.Bundle.Hash()}, nil
}

// WriteText prints the shrink: what it kept, the fault blocks, where
// they were written and the command that reproduces the failure.
func (r *ShrinkReport) WriteText(w io.Writer) {
	if r.Original == 0 {
		fmt.Fprintf(w, "seed %d fails without any fault (%v): nothing to shrink\n", r.Seed, r.Failure)
		return
	}
	fmt.Fprintf(w, "shrunk seed %d from %s to %d in %s: still %v\n",
		r.Seed, Plural(r.Original, "fault"), r.Faults, Plural(r.Simulations, "simulation"), r.Failure)
	if r.Exhausted {
		fmt.Fprintln(w, "  (the budget of simulations ran out: a smaller schedule may exist; raise --shrink-budget)")
	}
	if r.HCL == "" {
		fmt.Fprintln(w, "  (it fails without any of them)")
	}
	for _, line := range strings.Split(strings.TrimSuffix(r.HCL, "\n"), "\n") {
		if line == "" {
			fmt.Fprintln(w) // between blocks
			continue
		}
		fmt.Fprintf(w, "  %s\n", line)
	}
	if r.Written != "" {
		fmt.Fprintf(w, "wrote %s\n", r.Written)
	}
	fmt.Fprintf(w, "bundle %s\n", r.BundleHash)
	if r.Reproduce != "" {
		fmt.Fprintf(w, "reproduce: %s\n", r.Reproduce)
	}
}
