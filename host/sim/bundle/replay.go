package bundle

import (
	"context"
	"errors"

	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/vm"
)

// MachineReplay is one machine's trace of a bundle, replayed with no
// plugins (session.ReplayTrace). Its Status is also session.Unreadable
// when the trace does not read (Fault set and Status Diverged when a line
// no longer chains), or session.StoppedByRun when the rerun matched up to
// where the simulation stopped the machine, its run having failed.
type MachineReplay struct {
	Machine
	session.Replay
	RunFault string // StoppedByRun: the failed run's fault
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

func (b *Bundle) replayMachine(ctx context.Context, bt Machine) MachineReplay {
	r := MachineReplay{Machine: bt}
	t, err := b.MachineTrace(bt)
	var fault *vm.Fault
	switch {
	case errors.As(err, &fault) && fault.Kind == vm.FaultDeterminism:
		r.Status, r.Fault = session.Diverged, fault
		return r
	case err != nil:
		r.Status, r.Err = session.Unreadable, err
		return r
	}
	r.Replay = session.ReplayTrace(ctx, t)
	// A replay that ran past the end of the trace of a run that failed:
	// the simulation stopped the machine there (the run timed out, or
	// another role faulted), so the replay can only follow it that far.
	if o, ok := b.Outcomes[bt.Run]; ok && r.Status == session.Diverged && r.Fault != nil &&
		o.Status == "failed" && r.Fault.Index >= len(t.Entries) {
		r.Status, r.RunFault = session.StoppedByRun, o.Fault
	}
	return r
}
