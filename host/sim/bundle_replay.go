package sim

import (
	"context"
	"errors"

	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/trace"
)

// ReplayStatus is how one machine's trace of a bundle replayed.
type ReplayStatus int

// The ways a machine's trace replays.
const (
	// Replayed: the rerun matched the trace, hash for hash (Fault: the
	// recorded fault it ended in, if any).
	Replayed ReplayStatus = iota
	// StoppedByRun: the rerun matched up to where the simulation stopped
	// the machine, its run having failed (RunFault says why).
	StoppedByRun
	// Diverged: the trace was altered or the rerun asked for something
	// else (Fault, a Determinism fault; Trace is nil when the trace did
	// not read), or the rerun's trace hashes differently (Fault nil).
	Diverged
	// Unreadable: the trace does not read (Err).
	Unreadable
	// NotReplayable: the trace is not full (Trace.Header.Granularity).
	NotReplayable
	// CannotReplay: the rerun could not start (Err).
	CannotReplay
)

// MachineReplay is one machine's trace of a bundle, replayed with no
// plugins.
type MachineReplay struct {
	BundleTrace
	Status   ReplayStatus
	Trace    *trace.Trace // the recorded trace, when it read
	Fault    *vm.Fault
	Err      error
	Want     [32]byte // the recorded trace's hash (Replayed, Diverged by hash)
	Got      [32]byte // the rerun's
	RunFault string   // StoppedByRun: the failed run's fault
}

// Replay replays every machine trace of the bundle on its own, its
// messages from the other roles answered from its trace.
func (b *Bundle) Replay(ctx context.Context) []MachineReplay {
	out := make([]MachineReplay, len(b.Traces))
	for i, bt := range b.Traces {
		out[i] = b.replayMachine(ctx, bt)
	}
	return out
}

func (b *Bundle) replayMachine(ctx context.Context, bt BundleTrace) MachineReplay {
	r := MachineReplay{BundleTrace: bt}
	t, err := b.MachineTrace(bt)
	var fault *vm.Fault
	switch {
	case errors.As(err, &fault) && fault.Kind == vm.FaultDeterminism:
		r.Status, r.Fault = Diverged, fault
		return r
	case err != nil:
		r.Status, r.Err = Unreadable, err
		return r
	}
	r.Trace = t
	if t.Header.Granularity != policy.Full {
		r.Status = NotReplayable
		return r
	}
	m, err := vm.ReplayTrace(ctx, t)
	fault = nil
	switch {
	case errors.As(err, &fault) && fault.Kind == vm.FaultDeterminism:
		// A replay that ran past the end of the trace of a run that failed:
		// the simulation stopped the machine there (the run timed out, or
		// another role faulted), so the replay can only follow it that far.
		if o, ok := b.Outcomes[bt.Run]; ok && o.Status == "failed" && fault.Index >= len(t.Entries) {
			r.Status, r.RunFault = StoppedByRun, o.Fault
			return r
		}
		r.Status, r.Fault = Diverged, fault
		return r
	case err != nil && fault == nil:
		r.Status, r.Err = CannotReplay, err
		return r
	}
	r.Want, r.Got = t.Hash(), m.Trace().Hash()
	r.Status, r.Fault = Replayed, fault
	if r.Want != r.Got {
		r.Status, r.Fault = Diverged, nil
	}
	return r
}
