package sim

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/vm"
)

// Invariants: properties checked against a read-only View of the
// simulation after every step of the loop — a step is one round (the
// machines that could run ran, their sends went through the guard chains,
// the network's deliveries were handed to machines) — and once more when
// the simulation ends. Steps are the loop's own, in its one goroutine, so
// the step at which an invariant first fails is the same for a seed. The
// first violation stops the simulation: the runs still going fail with
// the *InvariantViolation, the bundle records it (a fault line of kind
// "invariant"), Outcome.Violation and the report name it (scenario.Report,
// in host/sim/scenario), and a sweep counts the seed as failed. With no
// invariants, nothing is recorded and nothing is checked.

// Invariant is a property of a simulation, checked after every step.
type Invariant struct {
	// Name names the invariant in its violation.
	Name string
	// Check returns an error when the property does not hold in v. It runs
	// in the loop's goroutine and must not keep v.
	Check func(v *View) error
	// AtEnd checks it only once, when the simulation ends (a liveness
	// property: every run has ended by some time).
	AtEnd bool
}

// InvariantViolation is the failure of a simulation whose invariant did
// not hold: which, at which step of the loop and at what virtual time.
type InvariantViolation struct {
	Invariant string
	Step      uint64
	VirtualMs int64
	Err       error
}

func (e *InvariantViolation) Error() string {
	return fmt.Sprintf("invariant %q violated at step %d (%dms of virtual time): %v", e.Invariant, e.Step, e.VirtualMs, e.Err)
}

func (e *InvariantViolation) Unwrap() error { return e.Err }

// Delivery is a message the post office handed to a machine's inbox:
// the first copy of each (run, from, to, seq) — duplicates are dropped.
type Delivery struct {
	Run       string
	From, To  string // roles
	Label     string
	Seq       uint64
	Step      uint64
	VirtualMs int64
}

// AcceptedReceipt is a receipt the guard chain of Agent accepted with an
// envelope it received.
type AcceptedReceipt struct {
	Agent     string
	Chain     guard.ChainKey
	Epoch     uint64
	Nonce     uint64
	Step      uint64
	VirtualMs int64
}

// RunView is one run as an invariant sees it.
type RunView struct {
	Name       string
	Done       bool  // every role ended, or the run failed
	Err        error // the run's failure, nil while it goes on or when it completed
	FinishedMs int64
	Deadline   int64 // its timeout in virtual ms, 0 for none
}

// View is what invariants read: the runs so far, every message delivered
// and every receipt accepted, the agents' flow budgets, the step and the
// virtual time. It is valid only during the Check call.
type View struct {
	Step      uint64
	VirtualMs int64
	// FaultsEndMs is when the last scheduled fault ends (0 without faults;
	// a fault that never ends counts from its start).
	FaultsEndMs int64
	l           *loop
	obs         *observations
}

// Runs are the runs of this simulation call, in declaration order.
func (v *View) Runs() []RunView {
	out := make([]RunView, 0, len(v.l.runs))
	for _, r := range v.l.runs {
		out = append(out, RunView{Name: r.decl.Name, Done: r.done(), Err: r.result.Err, FinishedMs: r.result.FinishedMs, Deadline: r.deadline})
	}
	return out
}

// Delivered are the messages handed to machines so far, in order.
func (v *View) Delivered() []Delivery { return v.obs.delivered }

// Accepted are the receipts the agents' guard chains accepted so far, in
// order.
func (v *View) Accepted() []AcceptedReceipt { return v.obs.accepted }

// Budget is one flow budget of an agent: what it may send to Peer within
// a run's context.
type Budget struct {
	Agent string
	Run   string
	Peer  string
	guard.FlowBudget
}

// Budgets are the stored flow budgets of each run's roles here, toward
// the run's other roles' agents, in the run's context (agents that are
// down are skipped).
func (v *View) Budgets(ctx context.Context) ([]Budget, error) {
	var out []Budget
	for _, r := range v.l.runs {
		for _, sm := range r.machines {
			a := sm.agent
			fb := a.agent.Router().FlowBudgets()
			if fb == nil || a.down {
				continue
			}
			for _, role := range slices.Sorted(maps.Keys(r.decl.Roles)) {
				peer, ok := r.destination(role)
				if !ok || peer == a.agent.AuthorityID() {
					continue
				}
				b, ok, err := fb.Get(ctx, guard.BudgetKey{Context: r.context, Peer: peer})
				if err != nil {
					return nil, err
				}
				if ok {
					out = append(out, Budget{Agent: a.name, Run: r.decl.Name, Peer: v.l.agentName(peer, role), FlowBudget: b})
				}
			}
		}
	}
	return out, nil
}

// FactCount is how many facts of type typ the journal of the agent named
// agent holds (journal.facts_by_type); an error for an agent that is not
// here, ErrAgentDown for one that is crashed.
func (v *View) FactCount(ctx context.Context, agent, typ string) (int, error) {
	facts, err := v.Facts(ctx, agent, typ)
	return len(facts), err
}

// Facts are the facts of type typ in the journal of the agent named agent
// (journal.facts_by_type, through its router), in the journal's order; an
// error for an agent that is not here, ErrAgentDown for one that is
// crashed and not restarted yet: no process holds its journal open.
func (v *View) Facts(ctx context.Context, agent, typ string) ([]effects.Value, error) {
	for _, a := range v.l.post.agents {
		if a.name != agent {
			continue
		}
		if a.down {
			return nil, fmt.Errorf("agent %s: %w", agent, ErrAgentDown)
		}
		facts, err := a.agent.Invoke(ctx, effects.JournalFactsByType, effects.Map(map[string]effects.Value{"type": effects.String(typ)}))
		if err != nil {
			return nil, fmt.Errorf("agent %s: %w", agent, err)
		}
		return facts.Items(), nil
	}
	return nil, fmt.Errorf("no agent %s in this simulation", agent)
}

// Down reports whether the agent named agent is crashed and not restarted
// yet.
func (v *View) Down(agent string) bool {
	a := v.l.time.s.agentNamed(agent)
	return a != nil && a.down
}

// FactCount is the invariant that the journal of agent never holds more
// than max facts of type typ (the guard chain's are guard.send,
// guard.receipt and guard.operation): FactCount("account", "guard.send",
// 6) says the account sends at most six messages. It reads the journal
// after every step, one call per step.
func FactCount(agent, typ string, max int) Invariant {
	return Invariant{Name: fmt.Sprintf("fact_count(%s: at most %d %s)", agent, max, typ), Check: func(v *View) error {
		n, err := v.FactCount(context.Background(), agent, typ)
		if errors.Is(err, ErrAgentDown) {
			return nil // nothing is written while it is down; checked again once it is back
		}
		if err != nil {
			return err
		}
		if n > max {
			return fmt.Errorf("the journal of agent %s holds %d facts of type %s, more than %d", agent, n, typ, max)
		}
		return nil
	}}
}

// agentName is the name of the agent with authority id, else role's.
func (l *loop) agentName(id effects.AuthorityID, role string) string {
	for _, a := range l.post.agents {
		if a.agent.AuthorityID() == id {
			return a.name
		}
	}
	return "the agent of " + role
}

// observations are what the loop records for invariants, only when there
// are some.
type observations struct {
	step      uint64
	now       int64
	delivered []Delivery
	accepted  []AcceptedReceipt
	// sent counts the sends of the last step: budgets change only then.
	sent int
	// budgets are the flow budgets as last seen (nil before the first look).
	budgets map[budgetID]guard.FlowBudget
	// receiptsSeen are the receipts receipt_once has looked at, the first
	// receiptsChecked of accepted.
	receiptsSeen    map[receiptID]AcceptedReceipt
	receiptsChecked int
}

func (o *observations) delivery(r *simRun, msg vm.Message) {
	if o == nil {
		return
	}
	o.delivered = append(o.delivered, Delivery{Run: r.decl.Name, From: msg.From, To: msg.To, Label: msg.Label, Seq: msg.Seq, Step: o.step, VirtualMs: o.now})
}

func (o *observations) receipt(a *simAgent, raw []byte) {
	if o == nil || len(raw) == 0 {
		return
	}
	var rc guard.Receipt
	if rc.UnmarshalBinary(raw) != nil {
		return
	}
	o.accepted = append(o.accepted, AcceptedReceipt{Agent: a.name, Chain: rc.Chain(), Epoch: rc.Epoch, Nonce: rc.Nonce, Step: o.step, VirtualMs: o.now})
}

// check evaluates the invariants after a step (atEnd: when the simulation
// ends, the AtEnd ones too) and returns the first violation.
func (l *loop) check(atEnd bool) *InvariantViolation {
	if len(l.invariants) == 0 {
		return nil
	}
	v := &View{Step: l.obs.step, VirtualMs: l.time.now, FaultsEndMs: l.faultsEnd, l: l, obs: l.obs}
	for _, inv := range l.invariants {
		if inv.AtEnd && !atEnd {
			continue
		}
		if err := inv.Check(v); err != nil {
			return &InvariantViolation{Invariant: inv.Name, Step: v.Step, VirtualMs: v.VirtualMs, Err: err}
		}
	}
	return nil
}

// violated stops the simulation on iv: the runs still going fail with it,
// and the bundle records it.
func (l *loop) violated(iv *InvariantViolation) {
	l.violation = iv
	l.bundle.Fault(iv.VirtualMs, "invariant", "violated", iv.Error())
	for _, r := range l.runs {
		if !r.done() {
			r.fail(iv.VirtualMs, iv)
		}
	}
}

// Built-in invariants, by name (BuiltinInvariant).
const (
	// InvReceiptOnce: no agent accepts the same receipt (chain, epoch,
	// nonce) twice — a replayed envelope got past its guard chain.
	InvReceiptOnce = config.InvariantReceiptOnce
	// InvFlowBudget: no charge takes an agent's flow budget past its
	// limit (read after every step that sent something).
	InvFlowBudget = config.InvariantFlowBudget
)

// DefaultInvariants are checked in every simulation unless
// Config.NoDefaultInvariants: the guard chain's promises, which hold
// whatever the protocol.
var DefaultInvariants = []string{InvReceiptOnce, InvFlowBudget}

// BuiltinInvariant is the built-in invariant named name, which takes no
// parameters (ThresholdGrant and Liveness take some).
func BuiltinInvariant(name string) (Invariant, bool) {
	switch name {
	case InvReceiptOnce:
		return Invariant{Name: name, Check: checkReceiptOnce}, true
	case InvFlowBudget:
		return Invariant{Name: name, Check: checkFlowBudget}, true
	}
	return Invariant{}, false
}

type receiptID struct {
	agent        string
	chain        guard.ChainKey
	epoch, nonce uint64
}

// checkReceiptOnce looks at the receipts accepted since its last look
// (obs.receiptsSeen holds the earlier ones), so a simulation pays once
// per receipt.
func checkReceiptOnce(v *View) error {
	o := v.obs
	if o.receiptsSeen == nil {
		o.receiptsSeen = map[receiptID]AcceptedReceipt{}
	}
	for ; o.receiptsChecked < len(o.accepted); o.receiptsChecked++ {
		a := o.accepted[o.receiptsChecked]
		id := receiptID{a.Agent, a.Chain, a.Epoch, a.Nonce}
		if first, ok := o.receiptsSeen[id]; ok {
			return fmt.Errorf("agent %s accepted receipt nonce %d (epoch %d) on %s twice: at step %d and at step %d", a.Agent, a.Nonce, a.Epoch, a.Chain, first.Step, a.Step)
		}
		o.receiptsSeen[id] = a
	}
	return nil
}

func checkFlowBudget(v *View) error {
	if v.obs.sent == 0 && v.obs.budgets != nil {
		return nil // budgets change only when something is sent
	}
	bs, err := v.Budgets(context.Background())
	if err != nil {
		return err
	}
	if v.obs.budgets == nil {
		v.obs.budgets = map[budgetID]guard.FlowBudget{}
	}
	return overspent(v.obs.budgets, bs)
}

type budgetID struct{ agent, run, peer string }

// overspent reports the first budget that a charge took past its limit:
// spent above the limit, and more than was spent when last seen (prev,
// which it updates) in the same epoch. A limit lowered below what was
// already spent — a merge with a peer's replica may do that, in
// production — spends nothing and is not a violation.
func overspent(prev map[budgetID]guard.FlowBudget, bs []Budget) error {
	for _, b := range bs {
		id := budgetID{b.Agent, b.Run, b.Peer}
		last, seen := prev[id]
		prev[id] = b.FlowBudget
		if b.Spent > b.Limit && (!seen || last.Epoch != b.Epoch || b.Spent > last.Spent) {
			return fmt.Errorf("agent %s spent %d of a flow budget of %d toward %s in run %q", b.Agent, b.Spent, b.Limit, b.Peer, b.Run)
		}
	}
	return nil
}

// ThresholdGrant is the invariant that role of run sends a grant (a
// message labelled grant) only after approval messages (labelled approve)
// from at least threshold distinct roles reached it: in the guardian
// recovery, ThresholdGrant("recovery", "Account", "Approve", "Granted", 2).
// Both are observed as delivered, so a grant still in flight when the
// simulation ends goes unchecked.
func ThresholdGrant(run, role, approve, grant string, threshold int) Invariant {
	name := fmt.Sprintf("threshold_grant(%s: %s grants %s after %d %s)", run, role, grant, threshold, approve)
	return Invariant{Name: name, Check: func(v *View) error {
		var approvers []string
		for _, d := range v.Delivered() {
			if d.Run != run {
				continue
			}
			switch {
			case d.To == role && d.Label == approve && !slices.Contains(approvers, d.From):
				approvers = append(approvers, d.From)
			case d.From == role && d.Label == grant && len(approvers) < threshold:
				return fmt.Errorf("run %q: %s sent %s to %s with approvals from %d distinct roles (%s), fewer than the threshold %d",
					run, role, grant, d.To, len(approvers), strings.Join(approvers, ", "), threshold)
			}
		}
		return nil
	}}
}

// Liveness is the invariant that every run has ended — completed, or
// failed for a reason of its own — within withinMs of virtual time after
// the last fault ended: checked when the simulation ends, a run that timed
// out or never ended, or that ended later than that, violates it.
func Liveness(withinMs int64) Invariant {
	return Invariant{Name: fmt.Sprintf("liveness(%dms after faults)", withinMs), AtEnd: true, Check: func(v *View) error {
		limit := v.FaultsEndMs + withinMs
		for _, r := range v.Runs() {
			var f *vm.Fault
			switch {
			case !r.Done:
				return fmt.Errorf("run %q has not ended", r.Name)
			case errors.As(r.Err, &f) && f.Kind == vm.FaultTimeout:
				return fmt.Errorf("run %q timed out: %s", r.Name, f.Message)
			case r.FinishedMs > limit:
				return fmt.Errorf("run %q ended at %dms, after %dms (faults ended at %dms, plus %dms)", r.Name, r.FinishedMs, limit, v.FaultsEndMs, withinMs)
			}
		}
		return nil
	}}
}

// faultsEnd is when the last scheduled change of faults happens.
func faultsEnd(fs []*scheduledFault) int64 {
	var end int64
	for _, f := range fs {
		end = max(end, f.at)
	}
	return end
}

// invariantsOf are the invariants of cfg: the defaults in simulation
// (unless turned off), the deployment's invariant blocks, then
// cfg.Invariants. A block selecting a default that is on adds nothing.
func invariantsOf(cfg Config) []Invariant {
	var out []Invariant
	defaults := cfg.Mode != effects.Production && !cfg.NoDefaultInvariants
	if defaults {
		for _, name := range DefaultInvariants {
			inv, _ := BuiltinInvariant(name)
			out = append(out, inv)
		}
	}
	if cfg.Mode != effects.Production && cfg.Deployment != nil {
		for _, b := range cfg.Deployment.Invariants {
			if defaults && slices.Contains(DefaultInvariants, b.Builtin) {
				continue
			}
			if inv, ok := FromBlock(b); ok {
				out = append(out, inv)
			}
		}
	}
	return append(out, cfg.Invariants...)
}

// FromBlock is the invariant an invariant block selects, named by the
// block's label; false for a builtin it does not know (config reports it).
func FromBlock(b *config.Invariant) (Invariant, bool) {
	var inv Invariant
	switch b.Builtin {
	case config.InvariantThresholdGrant:
		inv = ThresholdGrant(b.Run, b.Role, b.Approve, b.Grant, b.Threshold)
	case config.InvariantLiveness:
		inv = Liveness(b.Within.Milliseconds())
	case config.InvariantFactCount:
		inv = FactCount(b.Agent, b.FactType, b.Max)
	default:
		var ok bool
		if inv, ok = BuiltinInvariant(b.Builtin); !ok {
			return Invariant{}, false
		}
	}
	inv.Name = b.Name
	return inv, true
}
