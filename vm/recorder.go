package vm

import (
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/trace"
)

// recorder collects a machine's entries at a granularity. In replay it
// also checks each entry against the recorded trace. Entries are kept in
// fixed-size chunks, so recording never copies what it already holds.
type recorder struct {
	granularity policy.Granularity
	chunks      [][]trace.Entry
	n           int
	nextID      uint64
	replay      *Replayer     // checks each entry in replay
	flat        []trace.Entry // entries() cache, valid while len(flat) == n
}

// recorderChunk is how many entries a chunk holds.
const recorderChunk = 1024

func newRecorder(g policy.Granularity) *recorder { return &recorder{granularity: g} }

// add assigns the entry its effect ID, checks it in replay, and keeps it
// as the granularity says.
func (r *recorder) add(e *trace.Entry) error {
	e.EffectID = r.nextID
	if r.replay != nil {
		if err := r.replay.verify(e); err != nil {
			return err
		}
	}
	r.nextID++
	switch r.granularity {
	case policy.Full:
	case policy.TopologyOnly:
		switch e.Kind {
		case trace.KindSend:
			e.Inputs = effects.Null()
		case trace.KindRecv, trace.KindDeliver:
			e.Outputs = effects.Null()
		case trace.KindDecide:
		default:
			return nil
		}
	default:
		return nil
	}
	if len(r.chunks) == 0 || len(r.chunks[len(r.chunks)-1]) == recorderChunk {
		r.chunks = append(r.chunks, make([]trace.Entry, 0, recorderChunk))
	}
	last := len(r.chunks) - 1
	r.chunks[last] = append(r.chunks[last], *e)
	r.n++
	return nil
}

// entries returns the recorded entries as one slice.
func (r *recorder) entries() []trace.Entry {
	if len(r.flat) != r.n {
		r.flat = make([]trace.Entry, 0, r.n)
		for _, c := range r.chunks {
			r.flat = append(r.flat, c...)
		}
	}
	return r.flat
}
