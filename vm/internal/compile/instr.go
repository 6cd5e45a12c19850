package compile

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/syntax"
)

// Opcode is an instruction of the choreography machine.
type Opcode uint8

// The instruction set. Each instruction is one step of a coroutine.
const (
	// OpHalt ends the coroutine; its local type must be at end.
	OpHalt Opcode = iota
	// OpSend sends the one label of the instruction to Peer.
	OpSend
	// OpReceive receives the one label of the instruction from Peer.
	OpReceive
	// OpChoose decides among the arms (locally or by asking the host),
	// sends the chosen label to Peer, and jumps to the arm's target.
	OpChoose
	// OpOffer receives one of the arms' labels from Peer and jumps to
	// that arm's target.
	OpOffer
	// OpInvoke asks the host to run an effect operation.
	OpInvoke
	// OpAcquire asks the host for a guard; a refusal blocks the step.
	OpAcquire
	// OpRelease gives a guard back to the host.
	OpRelease
	// OpSet evaluates an expression (or asks the host) into a binding.
	OpSet
	// OpMove copies one binding into another.
	OpMove
	// OpNow asks the host for the time.
	OpNow
	// OpRandom asks the host for random bytes.
	OpRandom
	// OpJump continues at Target.
	OpJump
	// OpYield ends the coroutine's turn; it marks each loop iteration.
	OpYield
)

var opcodeNames = [...]string{
	OpHalt: "halt", OpSend: "send", OpReceive: "receive", OpChoose: "choose", OpOffer: "offer",
	OpInvoke: "invoke", OpAcquire: "acquire", OpRelease: "release", OpSet: "set", OpMove: "move",
	OpNow: "now", OpRandom: "random", OpJump: "jump", OpYield: "yield",
}

// String returns the instruction's mnemonic.
func (o Opcode) String() string {
	if int(o) < len(opcodeNames) {
		return opcodeNames[o]
	}
	return fmt.Sprintf("Opcode(%d)", uint8(o))
}

// Instr is one instruction of a role's code.
type Instr struct {
	Op     Opcode
	Peer   string         // partner of a send, receive, choose or offer
	Arms   []Arm          // the labels of a send, receive, choose or offer
	Decide syntax.Expr    // OpChoose: the local decision rule; nil to ask the host
	Action *syntax.Action // the role-local action of invoke .. random
	Target int            // OpJump
	// State is the monitor state the coroutine must be in to run this
	// instruction (-1 for jump and yield), Next the state after it.
	State, Next int
	Range       hcl.Range

	PeerIndex int           // role index of Peer
	Edge      int           // index of the edge a send, receive, choose or offer uses
	DecideFn  EvalFn        // compiled Decide
	Labels    effects.Value // the arms' labels, as a list (decision requests, traces)
	Eval      EvalFn        // set value, invoke args
	AskHost   bool          // set value = host()
	Dst       Dest          // set, move, invoke, now, random
	Src       int           // move: source register
}

// Arm is one label of a communication instruction.
type Arm struct {
	Label  syntax.Label
	Target int // pc to continue at
	Next   int // monitor state after the message

	Payload EvalFn // send: the payload; nil for unit
	AskHost bool   // send: the payload is asked of the host
	Dst     Dest   // receive: where the payload goes
}

// Dest is a binding register, or one element of a per-member binding.
type Dest struct {
	Slot  int // -1: drop the value
	Index int // element, or -1 for the whole register
}

// String renders the instruction as Listing prints it.
func (in *Instr) String() string {
	var b strings.Builder
	b.WriteString(in.Op.String())
	switch in.Op {
	case OpSend, OpReceive, OpChoose, OpOffer:
		b.WriteString(" " + in.Peer)
		for _, a := range in.Arms {
			fmt.Fprintf(&b, " %s", a.Label)
			if in.Op == OpChoose || in.Op == OpOffer {
				fmt.Fprintf(&b, "->%d", a.Target)
			}
		}
	case OpInvoke:
		b.WriteString(" " + string(in.Action.Op))
	case OpAcquire, OpRelease:
		b.WriteString(" " + in.Action.Guard)
	case OpSet, OpMove, OpNow, OpRandom:
		b.WriteString(" " + in.Action.Result.String())
	case OpJump:
		fmt.Fprintf(&b, " %d", in.Target)
	}
	return b.String()
}
