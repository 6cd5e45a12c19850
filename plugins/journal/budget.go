package journal

import (
	"encoding/binary"
	"fmt"

	"github.com/aurahost/aura-host/sdk"
)

// FlowBudget is the budget of one (context, peer) pair (AURA-SPEC §6):
// headroom is Limit − Spent, and only a new Epoch resets Spent. The zero
// FlowBudget — what a missing budget reads as — has no headroom.
type FlowBudget struct {
	Limit uint64
	Spent uint64
	Epoch uint64
}

// Headroom is what may still be charged in this epoch.
func (b FlowBudget) Headroom() uint64 {
	if b.Spent >= b.Limit {
		return 0
	}
	return b.Limit - b.Spent
}

// Charge returns the budget after spending cost, or an exhausted error if
// spent + cost would exceed the limit.
func (b FlowBudget) Charge(cost uint64) (FlowBudget, error) {
	if cost > b.Headroom() {
		return b, sdk.Errorf(sdk.CodeExhausted, "flow budget exhausted: cost %d exceeds the headroom %d (limit %d, spent %d, epoch %d)",
			cost, b.Headroom(), b.Limit, b.Spent, b.Epoch)
	}
	b.Spent += cost
	return b, nil
}

// Rotate starts the next epoch with the same limit and nothing spent: the
// only replenishment.
func (b FlowBudget) Rotate() (FlowBudget, error) {
	if b.Epoch == ^uint64(0) {
		return b, sdk.Errorf(sdk.CodeExhausted, "flow budget epoch cannot advance past %d", b.Epoch)
	}
	return FlowBudget{Limit: b.Limit, Epoch: b.Epoch + 1}, nil
}

// Merge joins two replicas of a budget: within one epoch, limit = min and
// spent = max, so a merge never creates headroom; across epochs the newer
// epoch wins whole (epoch = max), because its spent was reset by rotation
// and the older epoch's spending must not be carried into it. The join is
// commutative, associative and idempotent: it is a lexicographic product
// of the epochs' order and the (min, max) lattice.
func (b FlowBudget) Merge(o FlowBudget) FlowBudget {
	switch {
	case o.Epoch > b.Epoch:
		return o
	case o.Epoch < b.Epoch:
		return b
	}
	return FlowBudget{Limit: min(b.Limit, o.Limit), Spent: max(b.Spent, o.Spent), Epoch: b.Epoch}
}

// Value renders the budget as {limit: uint, spent: uint, epoch: uint}.
func (b FlowBudget) Value() sdk.Value {
	return sdk.Map(map[string]sdk.Value{"limit": sdk.Uint(b.Limit), "spent": sdk.Uint(b.Spent), "epoch": sdk.Uint(b.Epoch)})
}

func (b FlowBudget) String() string {
	return fmt.Sprintf("limit %d, spent %d, epoch %d", b.Limit, b.Spent, b.Epoch)
}

func (b FlowBudget) encode() []byte {
	out := make([]byte, 0, 24)
	out = binary.BigEndian.AppendUint64(out, b.Limit)
	out = binary.BigEndian.AppendUint64(out, b.Spent)
	return binary.BigEndian.AppendUint64(out, b.Epoch)
}

func decodeBudget(raw []byte) (FlowBudget, error) {
	if len(raw) != 24 {
		return FlowBudget{}, fmt.Errorf("stored flow budget is %d bytes, want 24", len(raw))
	}
	return FlowBudget{
		Limit: binary.BigEndian.Uint64(raw[0:]),
		Spent: binary.BigEndian.Uint64(raw[8:]),
		Epoch: binary.BigEndian.Uint64(raw[16:]),
	}, nil
}

// budgetKey is lp(context) ‖ peer.
func budgetKey(context, peer []byte) []byte { return append(lp(nil, context), peer...) }
