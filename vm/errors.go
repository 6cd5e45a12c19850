package vm

import (
	"errors"
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
)

// FaultKind classifies why a session stopped before completing. The kinds
// are the platform's: a handler failure maps to one of the first five, the
// machine itself raises the last three.
type FaultKind uint8

// The fault kinds.
const (
	// FaultDenied: the host refused an effect (authority, capability, guard,
	// exhausted budget).
	FaultDenied FaultKind = iota + 1
	// FaultTimeout: a deadline passed while the host answered.
	FaultTimeout
	// FaultCancelled: the caller cancelled the run.
	FaultCancelled
	// FaultUnavailable: no handler could answer (unknown operation, plugin
	// down, internal failure of the handler).
	FaultUnavailable
	// FaultInvalidInput: a value did not fit: wrong payload sort, an
	// expression applied to the wrong kind, a label the host made up.
	FaultInvalidInput
	// FaultDeterminism: a replayed run asked for something other than the
	// recorded trace at the fault's Index, or the trace was altered there.
	FaultDeterminism
	// FaultContractViolation: a step or message that the role's local type
	// does not allow (an unexpected label, an unknown edge, a deadlock).
	FaultContractViolation
	// FaultBoundExceeded: the session used up its step budget.
	FaultBoundExceeded
)

var faultNames = [...]string{
	FaultDenied: "Denied", FaultTimeout: "Timeout", FaultCancelled: "Cancelled",
	FaultUnavailable: "Unavailable", FaultInvalidInput: "InvalidInput",
	FaultDeterminism: "Determinism", FaultContractViolation: "ContractViolation",
	FaultBoundExceeded: "BoundExceeded",
}

// String returns the platform's name of the kind ("BoundExceeded").
func (k FaultKind) String() string {
	if int(k) < len(faultNames) && faultNames[k] != "" {
		return faultNames[k]
	}
	return fmt.Sprintf("FaultKind(%d)", uint8(k))
}

// Fault is the typed failure of a session: what kind, which role and step,
// and the source range of the protocol step that failed. Match kinds with
// errors.Is against the sentinels (errors.Is(err, vm.ErrBoundExceeded)); a
// fault caused by an effect error unwraps to that *effects.Error.
type Fault struct {
	Kind    FaultKind
	Role    string    // the role whose step failed; empty for machine-wide faults
	PC      int       // the failing instruction, -1 if none
	Step    uint64    // the machine step (the trace ordering key)
	Index   int       // Determinism faults: the first diverging trace index; else -1
	Range   hcl.Range // the protocol step, when known
	Message string
	Err     error

	sentinel bool // only the package's sentinels match by kind
}

// Error describes the fault: kind, role, trace index, source position, message.
func (f *Fault) Error() string {
	msg := "vm: " + f.Kind.String()
	if f.Role != "" {
		msg += " in role " + f.Role
	}
	if f.Kind == FaultDeterminism && f.Index >= 0 {
		msg += fmt.Sprintf(" at trace index %d", f.Index)
	}
	if f.Range.Filename != "" {
		msg += fmt.Sprintf(" (%s:%d:%d)", f.Range.Filename, f.Range.Start.Line, f.Range.Start.Column)
	}
	if f.Message != "" {
		msg += ": " + f.Message
	}
	if f.Err != nil && f.Message == "" {
		msg += ": " + f.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying cause (often an *effects.Error).
func (f *Fault) Unwrap() error { return f.Err }

// Is matches the kind sentinels: errors.Is(err, ErrDenied) is true for any
// *Fault of kind Denied.
func (f *Fault) Is(target error) bool {
	t, ok := target.(*Fault)
	return ok && t.sentinel && t.Kind == f.Kind
}

// Sentinels, one per fault kind, for errors.Is.
var (
	ErrDenied            = &Fault{Kind: FaultDenied, sentinel: true}
	ErrTimeout           = &Fault{Kind: FaultTimeout, sentinel: true}
	ErrCancelled         = &Fault{Kind: FaultCancelled, sentinel: true}
	ErrUnavailable       = &Fault{Kind: FaultUnavailable, sentinel: true}
	ErrInvalidInput      = &Fault{Kind: FaultInvalidInput, sentinel: true}
	ErrDeterminism       = &Fault{Kind: FaultDeterminism, sentinel: true}
	ErrContractViolation = &Fault{Kind: FaultContractViolation, sentinel: true}
	ErrBoundExceeded     = &Fault{Kind: FaultBoundExceeded, sentinel: true}
)

// Errors of the hosting API (not session faults).
var (
	// ErrInboxFull is returned by Machine.Deliver when the edge's inbound
	// buffer is at capacity: back-pressure, deliver again after a Run.
	ErrInboxFull = errors.New("vm: inbox full")
	// ErrFinished is returned by Machine.Run and Deliver once the machine
	// has completed or faulted.
	ErrFinished = errors.New("vm: machine finished")
)

// faultFromError classifies an error an Effects returned. A *Fault passes
// through; an effect error maps by code; context errors become Cancelled or
// Timeout.
func faultFromError(err error) *Fault {
	var f *Fault
	if errors.As(err, &f) {
		c := *f
		return &c
	}
	e := effects.AsError(err)
	kind := FaultUnavailable
	switch e.Code {
	case effects.CodeDenied, effects.CodeExhausted:
		kind = FaultDenied
	case effects.CodeTimeout:
		kind = FaultTimeout
	case effects.CodeCancelled:
		kind = FaultCancelled
	case effects.CodeInvalidArgs, effects.CodeNotFound, effects.CodeConflict, effects.CodeInvalidConfig:
		kind = FaultInvalidInput
	case effects.CodeUnavailable, effects.CodeUnknownOp, effects.CodeInternal:
		kind = FaultUnavailable
	}
	return &Fault{Kind: kind, PC: -1, Index: -1, Err: err}
}
