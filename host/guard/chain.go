package guard

import (
	"fmt"
	"strings"

	"github.com/aurahost/aura-host/effects"
)

// Policy says which operations the chain applies to. Both lists hold
// capability patterns as effects.MatchOp reads them: an exact ID
// ("invitation.accept"), a family ("invitation.*") or everything ("*").
//
// An operation matching neither list is not guarded: Evaluate allows it
// with no commands. A send is always guarded, whether or not Guarded lists
// it too.
type Policy struct {
	// Guarded operations pass Capability, JournalCoupling and Leakage.
	Guarded []string
	// Sends also pass FlowBudget: they are charged SendCost against the
	// (context, peer) budget and must name a peer.
	Sends []string
}

// IsSend reports whether op is a send under p.
func (p Policy) IsSend(op effects.OpID) bool { return matchAny(p.Sends, op) }

// IsGuarded reports whether the chain applies to op under p.
func (p Policy) IsGuarded(op effects.OpID) bool { return matchAny(p.Guarded, op) || p.IsSend(op) }

// Validate checks every pattern of p.
func (p Policy) Validate() error {
	for _, list := range [][]string{p.Guarded, p.Sends} {
		for _, pat := range list {
			if err := ValidatePattern(pat); err != nil {
				return err
			}
		}
	}
	return nil
}

// ValidatePattern checks a capability pattern: "*", "family.*" or an
// operation ID.
func ValidatePattern(pat string) error {
	if pat == "*" {
		return nil
	}
	if _, err := effects.ParseOpID(pat); err == nil {
		return nil
	}
	if fam, ok := strings.CutSuffix(pat, ".*"); ok {
		// A family is valid when it would be valid in an operation ID.
		if _, err := effects.ParseOpID(fam + ".x"); err == nil {
			return nil
		}
	}
	return fmt.Errorf("capability pattern %q: want an operation (crypto.hash), a family (crypto.*) or *", pat)
}

func matchAny(patterns []string, op effects.OpID) bool {
	for _, p := range patterns {
		if effects.MatchOp(p, op) {
			return true
		}
	}
	return false
}

// Request is one operation as the chain sees it. The host fills it from the
// routed call (or the send) before evaluating.
type Request struct {
	Op        effects.OpID
	Authority effects.AuthorityID // who acts; the router has already scoped it
	Context   effects.ContextID
	Session   effects.SessionID
	// Peer is the destination authority of a send (zero otherwise).
	Peer effects.AuthorityID
	// PayloadSize is the length in bytes of a send's payload.
	PayloadSize int
	// Time is when the operation happens, in milliseconds, as the time effect
	// reported it (virtual in simulation). The chain never reads a clock.
	Time uint64
	// Body is what the journal fact records about the operation: the call's
	// arguments, or for a send a digest of the payload — never the payload.
	Body effects.Value
}

// BudgetKey is the budget a send of req is charged against.
func (req Request) BudgetKey() BudgetKey { return BudgetKey{Context: req.Context, Peer: req.Peer} }

// Snapshot is everything the chain reads, taken before evaluation: the
// policy, each authority's capability patterns (from its agent's `allow`
// list) and the flow budgets the request may touch
// (FlowBudgetManager.Snapshot). A budget absent from Budgets has no
// headroom. Evaluate never modifies a Snapshot.
type Snapshot struct {
	Policy  Policy
	Grants  map[effects.AuthorityID][]string
	Budgets map[BudgetKey]FlowBudget
}

// Decision is the chain's verdict: a Denial and no commands, or the
// commands that carry the operation out, in the order they must run.
type Decision struct {
	Op effects.OpID
	// Guarded is false when the policy does not cover Op: the chain allowed
	// it without looking.
	Guarded bool
	// Time is the request's time, for anything the commands produce later
	// (such as the receipt fact).
	Time     uint64
	Denial   *Denial
	Commands []Command
}

// Allowed reports whether the operation may go ahead.
func (d Decision) Allowed() bool { return d.Denial == nil }

// Err is nil for an allowed decision, else the denial as an
// *effects.Error (code denied or exhausted).
func (d Decision) Err() error {
	if d.Denial == nil {
		return nil
	}
	return d.Denial.EffectError()
}

// guardFunc is one link of the chain: a denial, or the command it emits
// (nil for none).
type guardFunc func(snap Snapshot, req Request, send bool) (*Denial, Command)

// chain is the fixed order of the guards. The order is the invariant that
// makes a denial traceless: nothing later runs, and nothing earlier emitted
// anything that has run yet.
var chain = []guardFunc{checkCapability, checkFlowBudget, coupleJournal, recordLeakage}

// Evaluate runs the guard chain — Capability, FlowBudget, JournalCoupling,
// Leakage — over snap for req. It is pure: it reads only its arguments
// (never a clock, a store or randomness), and the same arguments always
// give the same Decision. The first denial stops the chain and the decision
// carries no commands at all; otherwise the commands are, in order, the
// Charge (sends only), the AppendFact and the RecordLeakage.
func Evaluate(snap Snapshot, req Request) Decision {
	d := Decision{Op: req.Op, Time: req.Time}
	send := snap.Policy.IsSend(req.Op)
	if !send && !snap.Policy.IsGuarded(req.Op) {
		return d
	}
	d.Guarded = true
	var cmds []Command
	for _, g := range chain {
		denial, cmd := g(snap, req, send)
		if denial != nil {
			denial.Op = req.Op
			d.Denial = denial
			return d
		}
		if cmd != nil {
			if cmds == nil {
				cmds = make([]Command, 0, len(chain))
			}
			cmds = append(cmds, cmd)
		}
	}
	d.Commands = cmds
	return d
}

func checkCapability(snap Snapshot, req Request, _ bool) (*Denial, Command) {
	if req.Authority.IsZero() {
		return &Denial{Guard: GuardCapability, Code: effects.CodeDenied, Reason: "the call names no authority"}, nil
	}
	if !matchAny(snap.Grants[req.Authority], req.Op) {
		return &Denial{Guard: GuardCapability, Code: effects.CodeDenied,
			Reason: fmt.Sprintf("%s holds no capability for %s", req.Authority, req.Op)}, nil
	}
	return nil, nil
}

func checkFlowBudget(snap Snapshot, req Request, send bool) (*Denial, Command) {
	if !send {
		return nil, nil
	}
	if req.Peer.IsZero() {
		return &Denial{Guard: GuardFlowBudget, Code: effects.CodeDenied, Reason: "a send names no peer"}, nil
	}
	if req.PayloadSize > MaxPayload {
		return &Denial{Guard: GuardFlowBudget, Code: effects.CodeDenied,
			Reason: fmt.Sprintf("payload of %d bytes exceeds the %d-byte envelope limit", req.PayloadSize, MaxPayload)}, nil
	}
	key := req.BudgetKey()
	cost := SendCost(req.PayloadSize)
	b, ok := snap.Budgets[key]
	if !ok {
		return &Denial{Guard: GuardFlowBudget, Code: effects.CodeExhausted,
			Reason: fmt.Sprintf("no flow budget for %s in %s (a missing budget has no headroom)", req.Peer, req.Context)}, nil
	}
	if err := b.Charge(cost); err != nil {
		return &Denial{Guard: GuardFlowBudget, Code: effects.CodeExhausted,
			Reason: fmt.Sprintf("send to %s in %s costs %d, headroom is %d (limit %d, spent %d, epoch %d)",
				req.Peer, req.Context, cost, b.Headroom(), b.Limit, b.Spent, b.Epoch)}, nil
	}
	return nil, Charge{Key: key, Src: req.Authority, Cost: cost, Epoch: b.Epoch}
}

func coupleJournal(_ Snapshot, req Request, send bool) (*Denial, Command) {
	return nil, AppendFact{Fact: operationFact(req, send)}
}

func recordLeakage(_ Snapshot, req Request, send bool) (*Denial, Command) {
	return nil, RecordLeakage{Leakage: leakageOf(req, send)}
}
