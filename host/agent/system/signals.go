package system

import (
	"context"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/vm/policy"
)

// HealthPressure is the flow-budget pressure, in percent, that degraded
// local health counts as: enough for the scheduler rule's priority-aging
// threshold (75 %). A network already degraded — slow, lossy, churning,
// full queues, failing holds — is as scarce a resource as a nearly spent
// budget, and a session admitted then should age its waiting roles up
// rather than take blind turns.
const HealthPressure = 75

// Admission is a session an agent is about to run, as the scheduler
// signals see it.
type Admission struct {
	// Session is the session's ID; its own guards do not contend with it.
	Session effects.SessionID
	// Context is the relational context its envelopes are sent in.
	Context effects.ContextID
	// Peers are the authorities the agent's roles send to in that context.
	Peers []effects.AuthorityID
	// Guards are the guards its roles acquire (host.ProgramGuards).
	Guards []string
}

// SchedulerSignals are the runtime signals (vm/policy.Signals) of a
// session the agent admits — what vm.Config.Signals takes, so that the
// VM's rule (policy.SelectScheduler) sees them:
//
//   - FlowBudgetPressure: the spent share of the fullest flow budget the
//     session charges — the agent's budgets in the session's context
//     towards its peers, and every budget of that context the agent has
//     sent on (the family's counters) — 0 when none is stored; raised to
//     HealthPressure when the agent's local health observer reports a
//     degraded signal.
//   - GuardContention: another session of the agent holds or waits for
//     a guard the session acquires (host.SessionGuards).
//
// Heavy is the protocol's, from its execution policy: the VM adds it.
// A session whose protocol declares a scheduler, or whose caller picks
// one, keeps it whatever the signals say.
func (f *Family) SchedulerSignals(ctx context.Context, adm Admission) (policy.Signals, error) {
	self := f.agent.AuthorityID()
	router := f.agent.Host().Router()
	keys := f.metrics.sentOn(adm.Context)
	for _, p := range adm.Peers {
		if p != self {
			keys = append(keys, guard.BudgetKey{Context: adm.Context, Peer: p})
		}
	}
	pressure, err := BudgetPressure(ctx, router.FlowBudgets(), keys)
	if err != nil {
		return policy.Signals{}, err
	}
	if snap, ok := f.agent.LocalHealth(); ok && snap.Pressure() {
		pressure = max(pressure, HealthPressure)
	}
	return policy.Signals{
		FlowBudgetPressure: pressure,
		GuardContention:    router.SessionGuards().Contended(adm.Session, adm.Guards),
	}, nil
}
