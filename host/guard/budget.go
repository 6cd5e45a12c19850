package guard

import (
	"encoding/binary"
	"math"

	"github.com/aurahost/aura-host/effects"
)

// FlowBudget is how much an authority may send to one peer in one context
// during one epoch. The zero FlowBudget — what a missing budget reads as —
// has no headroom: nothing is ever sent on an implicit budget.
type FlowBudget struct {
	Limit uint64
	Spent uint64
	Epoch uint64
}

// Headroom is limit − spent, or 0 when spent has reached the limit (a merge
// can lower the limit below what was already spent).
func (b FlowBudget) Headroom() uint64 {
	if b.Spent >= b.Limit {
		return 0
	}
	return b.Limit - b.Spent
}

// Charge spends cost, or fails with exhausted (ErrBudgetExhausted) and
// leaves b unchanged when spent + cost would pass the limit. A charge that
// lands exactly on the limit succeeds.
func (b *FlowBudget) Charge(cost uint64) error {
	if cost > b.Headroom() {
		return exhausted(*b, cost, "")
	}
	b.Spent += cost
	return nil
}

func exhausted(b FlowBudget, cost uint64, where string) *effects.Error {
	return fail(effects.CodeExhausted, ErrBudgetExhausted,
		"flow budget exhausted%s: spent %d + cost %d > limit %d (epoch %d)", where, b.Spent, cost, b.Limit, b.Epoch)
}

// Merge joins two replicas of the same budget: limit = min, epoch = max,
// spent = max. Spent is compared within the newest epoch only: a replica
// still in an older epoch carries spending that epoch rotation already
// wiped, and taking it would undo the rotation (the spec's plain
// "spent = max" agrees whenever the epochs are equal). Ordered this way
// (limit by ≥, (epoch, spent) lexicographically) Merge is a join: it is
// commutative, associative and idempotent, so replicas converge whatever
// order they exchange budgets in.
func (b FlowBudget) Merge(o FlowBudget) FlowBudget {
	m := FlowBudget{Limit: min(b.Limit, o.Limit), Epoch: max(b.Epoch, o.Epoch)}
	switch {
	case b.Epoch > o.Epoch:
		m.Spent = b.Spent
	case o.Epoch > b.Epoch:
		m.Spent = o.Spent
	default:
		m.Spent = max(b.Spent, o.Spent)
	}
	return m
}

// Rotate moves the budget to epoch: a newer epoch resets spent to zero —
// the only way headroom ever comes back. Rotating to the current or an older
// epoch changes nothing. Rotate(e) equals Merge with {Limit: MaxUint64,
// Epoch: e}, so rotation commutes with merging.
func (b FlowBudget) Rotate(epoch uint64) FlowBudget {
	if epoch <= b.Epoch {
		return b
	}
	return FlowBudget{Limit: b.Limit, Epoch: epoch}
}

// MaxPayload is the largest envelope payload the transport carries (64 KiB).
const MaxPayload = 64 << 10

// SendCost is the flow-budget cost of sending a payload of n bytes: 1 for the
// envelope plus 1 for every started KiB (a 1-byte payload costs 2, a 1024-byte
// one 2, a 1025-byte one 3). Rounding up means splitting a payload never
// makes it cheaper per byte than sending it whole.
func SendCost(n int) uint64 {
	if n <= 0 {
		return 1
	}
	return 1 + (uint64(n)+1023)/1024
}

// budgetRecordVersion tags the stored encoding of a FlowBudget:
// version (1 byte) | limit | spent | epoch (uint64 big-endian each).
const budgetRecordVersion = 1

func (b FlowBudget) marshal() []byte {
	out := make([]byte, 0, 25)
	out = append(out, budgetRecordVersion)
	out = binary.BigEndian.AppendUint64(out, b.Limit)
	out = binary.BigEndian.AppendUint64(out, b.Spent)
	return binary.BigEndian.AppendUint64(out, b.Epoch)
}

func unmarshalBudget(data []byte) (FlowBudget, error) {
	if len(data) != 25 || data[0] != budgetRecordVersion {
		return FlowBudget{}, fail(effects.CodeInternal, ErrCorruptRecord, "flow budget record of %d bytes", len(data))
	}
	return FlowBudget{
		Limit: binary.BigEndian.Uint64(data[1:]),
		Spent: binary.BigEndian.Uint64(data[9:]),
		Epoch: binary.BigEndian.Uint64(data[17:]),
	}, nil
}

// unlimited is the identity of Merge: merging a budget into a missing one
// adopts it.
var unlimited = FlowBudget{Limit: math.MaxUint64}
