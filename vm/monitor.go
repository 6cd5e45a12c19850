package vm

import (
	"fmt"

	"github.com/aurahost/aura-host/vm/internal/compile"
	"github.com/aurahost/aura-host/vm/project"
)

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
func (c *coroutine) monitorStep(in *compile.Instr) string {
	if in.State < 0 || c.state == in.State {
		return ""
	}
	want := "?"
	if c.state >= 0 && c.state < len(c.rc.States) {
		want = project.Describe(c.rc.States[c.state].Node)
	}
	return fmt.Sprintf("monitor: %s at pc %d is not what the local type allows here (the role %s next)", in, c.pc, want)
}
