package vm

import "fmt"

// The runtime monitor checks every step of a coroutine against its role's
// local type, independently of the compiled control flow:
//
//   - The compiler numbers the normalised positions of the local type
//     (RoleCode.states: one per reachable node and recursion scope) and
//     tags each instruction with the position it implements and each arm
//     with the position that follows. A coroutine carries its current
//     position; an instruction may run only at its own position, so a
//     jump to the wrong code is caught before it acts.
//   - A received message must carry one of the labels the local type
//     offers at that position, from that partner, with a payload of the
//     declared sort; anything else is a ContractViolation and the message
//     stays where it was.
//   - A label the host or a decide rule picks must be one the local type
//     offers, and a payload must have the declared sort (InvalidInput).
//
// The position advances only when the step commits.

// monitorStep checks that c may run in now; it returns the violation, or
// "" when the step is allowed.
func (c *coroutine) monitorStep(in *Instr) string {
	if in.State < 0 || c.state == in.State {
		return ""
	}
	want := "?"
	if c.state >= 0 && c.state < len(c.rc.states) {
		want = describe(c.rc.states[c.state].node)
	}
	return fmt.Sprintf("monitor: %s at pc %d is not what the local type allows here (the role %s next)", in, c.pc, want)
}

// monitorMessage checks a received message against the arms the local
// type offers, and returns the matching arm or the violation.
func (in *Instr) monitorMessage(msg *Message) (*Arm, string) {
	arm := in.arm(msg.Label)
	if arm == nil {
		return nil, fmt.Sprintf("received %q from %s; the local type expects %s", msg.Label, in.Peer, in.labels)
	}
	if !arm.Label.Sort.Accepts(msg.Payload) {
		return nil, fmt.Sprintf("received %s from %s with a %s payload; the local type says %s", msg.Label, in.Peer, msg.Payload.Kind(), arm.Label.Sort)
	}
	return arm, ""
}

// arm returns the arm labelled label, or nil.
func (in *Instr) arm(label string) *Arm {
	for i := range in.Arms {
		if in.Arms[i].Label.Name == label {
			return &in.Arms[i]
		}
	}
	return nil
}
