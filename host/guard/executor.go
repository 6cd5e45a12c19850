package guard

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/aurahost/aura-host/effects"
)

// Executor carries out an allowed Decision's commands, in order, against
// the agent's managers and journal. The host builds one per agent.
type Executor struct {
	// Budgets is charged by Charge commands. Required for sends.
	Budgets *FlowBudgetManager
	// Receipts issues the receipt of each charge, signed by Signer. With
	// Receipts nil a charge yields no receipt (a deployment without a
	// receipt-checking transport); production sets both.
	Receipts *ReceiptManager
	// Signer holds the key of the authority whose calls this executor runs.
	Signer Signer
	// Journal appends a fact (the journal plugin's append operation, called
	// so that it is itself not guarded). Required: an operation is never
	// carried out without its fact.
	Journal func(ctx context.Context, fact effects.Value) error
	// Leakage records a leakage entry. Nil journals it as a FactLeakage fact.
	Leakage func(ctx context.Context, l Leakage) error

	// leakage is the part of the last leakage fact of an operation that is
	// not a send that the next one can share (see leakageFact).
	leakage atomic.Pointer[leakageParts]
}

// Outcome is what running a decision produced.
type Outcome struct {
	// Receipt is the receipt of the decision's charge, to attach to the
	// envelope (nil when there was no charge or no receipt manager).
	Receipt *Receipt
	// Budget is the charged budget after the charge.
	Budget FlowBudget
}

// Run carries out d. A denied decision runs nothing and returns its error.
// Otherwise each command runs in order and the first failure stops the rest:
// a charge that fails (a concurrent send took the headroom since the
// snapshot) spends nothing and nothing after it runs, so the operation
// leaves no trace, as if the chain had denied it. A charge yields a signed
// receipt, journaled as a FactReceipt fact right after it. A failure after
// the charge leaves the budget spent, never refunded: the caller must then
// not carry the operation out.
func (e *Executor) Run(ctx context.Context, d Decision) (Outcome, error) {
	var out Outcome
	if err := d.Err(); err != nil {
		return out, err
	}
	if err := e.check(d); err != nil {
		return out, err
	}
	for _, cmd := range d.Commands {
		if err := ctx.Err(); err != nil {
			return out, effects.AsError(err)
		}
		switch c := cmd.(type) {
		case Charge:
			b, err := e.Budgets.Charge(ctx, c.Key, c.Cost)
			if err != nil {
				return out, fmt.Errorf("%s: %w", d.Op, err)
			}
			out.Budget = b
			if e.Receipts == nil {
				continue
			}
			r, err := e.Receipts.Issue(ctx, e.Signer, c.ChainKey(), b.Epoch, c.Cost)
			if err != nil {
				return out, fmt.Errorf("%s: issue receipt: %w", d.Op, err)
			}
			out.Receipt = &r
			if err := e.Journal(ctx, ReceiptFact(r, d.Time)); err != nil {
				return out, fmt.Errorf("%s: journal receipt: %w", d.Op, err)
			}
		case AppendFact:
			if err := e.Journal(ctx, c.Fact); err != nil {
				return out, fmt.Errorf("%s: journal: %w", d.Op, err)
			}
		case RecordLeakage:
			var err error
			if e.Leakage != nil {
				err = e.Leakage(ctx, c.Leakage)
			} else {
				err = e.Journal(ctx, e.leakageFact(c.Leakage))
			}
			if err != nil {
				return out, fmt.Errorf("%s: record leakage: %w", d.Op, err)
			}
		default:
			return out, effects.Errorf(effects.CodeInternal, "unknown guard command %T", cmd)
		}
	}
	return out, nil
}

// check refuses, before any command runs, a decision this executor could
// only carry out in part.
func (e *Executor) check(d Decision) error {
	if len(d.Commands) > 0 && e.Journal == nil {
		return effects.Errorf(effects.CodeInternal, "guard executor has no journal: %s cannot be recorded", d.Op)
	}
	for _, cmd := range d.Commands {
		if c, ok := cmd.(Charge); ok {
			if e.Budgets == nil {
				return effects.Errorf(effects.CodeInternal, "guard executor has no flow budget manager for %s", c)
			}
			if e.Receipts != nil && e.Signer == nil {
				return effects.Errorf(effects.CodeInternal, "guard executor has receipts but no signer for %s", c)
			}
		}
	}
	return nil
}

// leakageParts are the authority's bytes Value and the body of the leakage
// fact of an operation that is not a send, by authority and context: the
// body (context, the context members' observation, a zero peer) depends on
// nothing else, so consecutive calls in one context share it. A Value is
// immutable, so sharing it between facts is safe.
type leakageParts struct {
	authority effects.AuthorityID
	context   effects.ContextID
	authorityValue,
	body effects.Value
}

// leakageFact is l.Fact(). For an operation that is not a send it builds
// only the fact's outer fields, sharing the rest with the previous such
// fact when the authority and context are the same.
func (e *Executor) leakageFact(l Leakage) effects.Value {
	if !l.Peer.IsZero() || len(l.Observations) != 1 || !isContextOnly(l.Observations[0]) {
		return l.Fact()
	}
	p := e.leakage.Load()
	if p == nil || p.authority != l.Authority || p.context != l.Context {
		f := Leakage{Authority: l.Authority, Context: l.Context, Observations: contextOnly}.Fact()
		authority, _ := f.Get("authority")
		body, _ := f.Get("body")
		p = &leakageParts{authority: l.Authority, context: l.Context, authorityValue: authority, body: body}
		e.leakage.Store(p)
	}
	return fact(make([]effects.Field, factFields), FactLeakage, p.authorityValue, effects.Uint(l.Time), effects.String(string(l.Op)), p.body)
}
