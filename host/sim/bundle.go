package sim

import (
	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/sim/bundle"
	"github.com/aurahost/aura-host/host/sim/swarm"
	"github.com/aurahost/aura-host/vm/policy"
)

// TraceBundle is a simulation's record (bundle.Writer): nothing in it
// depends on wall-clock time or scheduling, so the same deployment and
// seed give the same bytes. host/sim/bundle reads, compares and replays it.
type TraceBundle = bundle.Writer

// BundleFormat names the trace bundle's JSON Lines format.
const BundleFormat = bundle.Format

func newTraceBundle(dep *config.Deployment, seed uint64, g policy.Granularity) *TraceBundle {
	return bundle.NewWriter(dep.Name, seed, map[string]any{"mode": string(effects.Simulation), "granularity": string(g),
		"retransmit_ms": DefaultRetransmitMs, "shared": SharedBuiltins})
}

func addFault(b *TraceBundle, now int64, f *scheduledFault, detail string) {
	phase := "end"
	if f.start {
		phase = "start"
	}
	b.Fault(now, f.kind, phase, detail)
}

// addSwarm lists the faults the seed drew from the swarm block, in start
// order, on one line.
func addSwarm(b *TraceBundle, drawn []*config.Fault) {
	lines := make([]map[string]any, len(drawn))
	for i, f := range drawn {
		lines[i] = swarm.Line(f)
	}
	b.Swarm(lines)
}

func addRun(b *TraceBundle, r *simRun) {
	for _, sm := range r.machines {
		b.TimedTrace(r.decl.Name, sm.role, sm.agent.name, sm.m.Trace(), sm.times)
	}
}

func finish(b *TraceBundle, o *Outcome) {
	for _, r := range o.Runs {
		status, fault := "ok", ""
		if r.Err != nil {
			status, fault = "failed", r.Err.Error()
		}
		b.Outcome(r.Name, status, fault, r.FinishedMs, r.Steps)
	}
	b.End(o.VirtualMs)
}
