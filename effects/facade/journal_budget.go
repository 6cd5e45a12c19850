package facade

import (
	"context"

	"github.com/aurahost/aura-host/effects"
)

// The flow budgets the journal keeps, one per (context, peer) pair: the
// context is a relational context's bytes and the peer an authority's (or
// any other non-empty bytes naming the peer).

var (
	opGetFlowBudget    = declare("Journal.GetFlowBudget", effects.JournalGetFlowBudget, effects.KindMap, budgetArgs()...)
	opChargeFlowBudget = declare("Journal.ChargeFlowBudget", effects.JournalChargeFlowBudget, effects.KindMap, budgetArgs(arg("cost", effects.KindUint))...)
	opSetFlowBudget    = declare("Journal.SetFlowBudget", effects.JournalSetFlowBudget, effects.KindMap, budgetArgs(arg("limit", effects.KindUint), arg("epoch", effects.KindUint))...)
	opRotateEpoch      = declare("Journal.RotateEpoch", effects.JournalRotateEpoch, effects.KindMap, budgetArgs()...)
	opMergeFlowBudget  = declare("Journal.MergeFlowBudget", effects.JournalMergeFlowBudget, effects.KindMap,
		budgetArgs(arg("limit", effects.KindUint), arg("spent", effects.KindUint), arg("epoch", effects.KindUint))...)
)

func budgetArgs(extra ...effects.Param) []effects.Param {
	return append([]effects.Param{arg("context", effects.KindBytes), arg("peer", effects.KindBytes)}, extra...)
}

func budgetKey(contextID, peer []byte) map[string]effects.Value {
	return map[string]effects.Value{"context": effects.Bytes(contextID), "peer": effects.Bytes(peer)}
}

func (x *Journal) budget(ctx context.Context, op *operation, args map[string]effects.Value) (FlowBudget, error) {
	v, err := x.c.invoke(ctx, op, args)
	if err != nil {
		return FlowBudget{}, err
	}
	return decodeRecord(op, v, readBudget)
}

// GetFlowBudget returns the budget of (context, peer). A budget never set
// reads as all zeros: no headroom.
func (x *Journal) GetFlowBudget(ctx context.Context, contextID, peer []byte) (FlowBudget, error) {
	return x.budget(ctx, opGetFlowBudget, budgetKey(contextID, peer))
}

// ChargeFlowBudget spends cost from the budget of (context, peer) and
// returns the budget after the charge. Spending past the limit, or from a
// budget never set, is an error matching effects.ErrExhausted, and spends
// nothing.
func (x *Journal) ChargeFlowBudget(ctx context.Context, contextID, peer []byte, cost uint64) (FlowBudget, error) {
	args := budgetKey(contextID, peer)
	args["cost"] = effects.Uint(cost)
	return x.budget(ctx, opChargeFlowBudget, args)
}

// SetFlowBudget sets the limit of the budget of (context, peer) for an
// epoch: a newer epoch starts with nothing spent, the same epoch keeps what
// was spent, an older one is an error matching effects.ErrConflict.
func (x *Journal) SetFlowBudget(ctx context.Context, contextID, peer []byte, limit, epoch uint64) (FlowBudget, error) {
	args := budgetKey(contextID, peer)
	args["limit"], args["epoch"] = effects.Uint(limit), effects.Uint(epoch)
	return x.budget(ctx, opSetFlowBudget, args)
}

// RotateEpoch starts the next epoch of the budget of (context, peer), with
// the same limit and nothing spent: the only replenishment. A budget never
// set is an error matching effects.ErrNotFound.
func (x *Journal) RotateEpoch(ctx context.Context, contextID, peer []byte) (FlowBudget, error) {
	return x.budget(ctx, opRotateEpoch, budgetKey(contextID, peer))
}

// MergeFlowBudget joins another replica's budget of (context, peer) into
// the stored one and returns the result: in one epoch limit = min and
// spent = max; a newer epoch wins whole.
func (x *Journal) MergeFlowBudget(ctx context.Context, contextID, peer []byte, other FlowBudget) (FlowBudget, error) {
	args := budgetKey(contextID, peer)
	args["limit"], args["spent"], args["epoch"] = effects.Uint(other.Limit), effects.Uint(other.Spent), effects.Uint(other.Epoch)
	return x.budget(ctx, opMergeFlowBudget, args)
}
