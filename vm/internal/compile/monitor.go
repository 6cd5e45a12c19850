package compile

import (
	"fmt"

	"github.com/aurahost/aura-host/effects"
)

// MatchMessage checks a received message, its label and payload, against
// the arms the local type offers, and returns the matching arm or the
// violation.
func (in *Instr) MatchMessage(label string, payload effects.Value) (*Arm, string) {
	arm := in.ArmFor(label)
	if arm == nil {
		return nil, fmt.Sprintf("received %q from %s; the local type expects %s", label, in.Peer, in.Labels)
	}
	if !arm.Label.Sort.Accepts(payload) {
		return nil, fmt.Sprintf("received %s from %s with a %s payload; the local type says %s", label, in.Peer, payload.Kind(), arm.Label.Sort)
	}
	return arm, ""
}

// ArmFor returns the arm labelled label, or nil.
func (in *Instr) ArmFor(label string) *Arm {
	for i := range in.Arms {
		if in.Arms[i].Label.Name == label {
			return &in.Arms[i]
		}
	}
	return nil
}
