package guard

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

// agent is the sending side as the host wires it: a policy, grants, the
// two managers over one store, a journal and an executor.
type agent struct {
	snapBase Snapshot
	budgets  *FlowBudgetManager
	receipts *ReceiptManager
	journal  *journal
	exec     *Executor
}

func newAgent(grants []string) *agent {
	store := NewMemStore()
	a := &agent{
		snapBase: Snapshot{Policy: testPolicy, Grants: map[effects.AuthorityID][]string{alice: grants}},
		budgets:  NewFlowBudgetManager(store),
		receipts: NewReceiptManager(store, 0),
		journal:  &journal{},
	}
	a.exec = &Executor{Budgets: a.budgets, Receipts: a.receipts, Signer: keyOf("alice"), Journal: a.journal.append}
	return a
}

// send does what the host does before a send: snapshot, evaluate, run the
// commands, attach the receipt.
func (a *agent) send(t *testing.T, payload []byte) (Envelope, error) {
	t.Helper()
	ctx := context.Background()
	req := sendReq(len(payload))
	snap := a.snapBase
	var err error
	snap.Budgets, err = a.budgets.Snapshot(ctx, req.BudgetKey())
	mustNoErr(t, err)
	out, err := a.exec.Run(ctx, Evaluate(snap, req))
	if err != nil {
		return Envelope{}, err
	}
	enc, err := out.Receipt.MarshalBinary()
	mustNoErr(t, err)
	return Envelope{Destination: bob, Source: alice, Context: ctxAB, Payload: payload, Receipt: enc}, nil
}

// TestSendsStopAtLimitAndResumeAfterRotation is the acceptance test of
// issue 5, end to end through the receiving gate.
func TestSendsStopAtLimitAndResumeAfterRotation(t *testing.T) {
	ctx := context.Background()
	a := newAgent([]string{"transport.*"})
	key := BudgetKey{ctxAB, bob}
	_, err := a.budgets.Set(ctx, key, 10)
	mustNoErr(t, err)
	receiver := NewReceiptManager(NewMemStore(), 0)
	payload := make([]byte, 1000) // cost 2

	deliver := func(env Envelope) {
		t.Helper()
		if _, err := RequireReceipt(ctx, env, receiver, keyOf("alice").PublicKey()); err != nil {
			t.Fatalf("receiver refused: %v", err)
		}
	}
	for i := range 5 {
		env, err := a.send(t, payload)
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		deliver(env)
	}
	factsBefore := len(a.journal.types())
	_, err = a.send(t, payload)
	if !errors.Is(err, effects.ErrExhausted) {
		t.Fatalf("send past the limit: %v", err)
	}
	var den *Denial
	if !errors.As(err, &den) || den.Guard != GuardFlowBudget {
		t.Fatalf("not a flow-budget denial: %v", err)
	}
	if len(a.journal.types()) != factsBefore {
		t.Fatal("an exhausted send left a fact")
	}
	if b, _, _ := a.budgets.Get(ctx, key); b != (FlowBudget{Limit: 10, Spent: 10}) {
		t.Fatalf("budget %+v", b)
	}
	if issued, _ := a.receipts.Issued(ctx, chainAB); len(issued) != 5 {
		t.Fatalf("%d receipts issued", len(issued))
	}

	_, err = a.budgets.Rotate(ctx, key, 1)
	mustNoErr(t, err)
	for i := range 5 {
		env, err := a.send(t, payload)
		if err != nil {
			t.Fatalf("send %d after rotation: %v", i, err)
		}
		r, _ := DecodeReceipt(env.Receipt)
		if r.Epoch != 1 {
			t.Fatalf("receipt epoch %d", r.Epoch)
		}
		deliver(env)
	}
	if _, err := a.send(t, payload); !errors.Is(err, effects.ErrExhausted) {
		t.Fatalf("send past the limit in epoch 1: %v", err)
	}

	// Every send journaled its receipt, its operation and its leakage, in
	// that order; the receipts of epoch 0 are gone from the retained chain.
	types := a.journal.types()
	if len(types) != 30 || !slices.Equal(types[:3], []string{FactReceipt, FactSend, FactLeakage}) {
		t.Fatalf("facts %v", types)
	}
	if issued, _ := a.receipts.Issued(ctx, chainAB); len(issued) != 5 || issued[0].Epoch != 1 {
		t.Fatalf("retained %v", nonces(issued))
	}
}

// TestDeniedCapabilityRunsNothing: the acceptance test of issue 5 through
// the executor — no journal entry, no charge, no receipt, no send.
func TestDeniedCapabilityRunsNothing(t *testing.T) {
	ctx := context.Background()
	a := newAgent([]string{"invitation.*"})
	key := BudgetKey{ctxAB, bob}
	_, err := a.budgets.Set(ctx, key, 100)
	mustNoErr(t, err)
	_, err = a.send(t, []byte("hi"))
	if !errors.Is(err, effects.ErrDenied) {
		t.Fatalf("send without the capability: %v", err)
	}
	if b, _, _ := a.budgets.Get(ctx, key); b.Spent != 0 {
		t.Fatalf("charged: %+v", b)
	}
	if len(a.journal.types()) != 0 {
		t.Fatalf("journaled %v", a.journal.types())
	}
	if issued, _ := a.receipts.Issued(ctx, chainAB); len(issued) != 0 {
		t.Fatal("a receipt was issued")
	}
}

// TestStaleSnapshotChargeLeavesNoTrace: the snapshot showed headroom but a
// concurrent send spent it before the commands ran; the charge fails first,
// so nothing else happens either.
func TestStaleSnapshotChargeLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	a := newAgent([]string{"*"})
	key := BudgetKey{ctxAB, bob}
	_, err := a.budgets.Set(ctx, key, 2)
	mustNoErr(t, err)
	snap := a.snapBase
	snap.Budgets, err = a.budgets.Snapshot(ctx, key)
	mustNoErr(t, err)
	d := Evaluate(snap, sendReq(10))
	if !d.Allowed() {
		t.Fatal(d.Denial)
	}
	_, err = a.budgets.Charge(ctx, key, 2) // the concurrent send
	mustNoErr(t, err)
	if _, err := a.exec.Run(ctx, d); !errors.Is(err, effects.ErrExhausted) {
		t.Fatalf("stale charge: %v", err)
	}
	if len(a.journal.types()) != 0 {
		t.Fatalf("journaled %v", a.journal.types())
	}
	if issued, _ := a.receipts.Issued(ctx, chainAB); len(issued) != 0 {
		t.Fatal("a receipt was issued")
	}
}

func TestExecutorGuardedOperation(t *testing.T) {
	ctx := context.Background()
	a := newAgent([]string{"invitation.*"})
	var leaks []Leakage
	a.exec.Leakage = func(_ context.Context, l Leakage) error { leaks = append(leaks, l); return nil }
	out, err := a.exec.Run(ctx, Evaluate(a.snapBase, opReq(effects.InvitationAccept)))
	mustNoErr(t, err)
	if out.Receipt != nil || !slices.Equal(a.journal.types(), []string{FactOperation}) || len(leaks) != 1 {
		t.Fatalf("outcome %+v facts %v leaks %v", out, a.journal.types(), leaks)
	}
	// An unguarded operation runs nothing.
	out, err = a.exec.Run(ctx, Evaluate(a.snapBase, opReq(effects.CryptoHash)))
	if err != nil || out.Receipt != nil || len(a.journal.types()) != 1 {
		t.Fatalf("unguarded: %+v %v", out, err)
	}
}

func TestExecutorMisconfigured(t *testing.T) {
	ctx := context.Background()
	a := newAgent([]string{"*"})
	_, err := a.budgets.Set(ctx, BudgetKey{ctxAB, bob}, 100)
	mustNoErr(t, err)
	snap := a.snapBase
	snap.Budgets, _ = a.budgets.Snapshot(ctx, BudgetKey{ctxAB, bob})
	d := Evaluate(snap, sendReq(1))
	for name, e := range map[string]*Executor{
		"no journal": {Budgets: a.budgets, Receipts: a.receipts, Signer: keyOf("alice")},
		"no budgets": {Receipts: a.receipts, Signer: keyOf("alice"), Journal: a.journal.append},
		"no signer":  {Budgets: a.budgets, Receipts: a.receipts, Journal: a.journal.append},
	} {
		if _, err := e.Run(ctx, d); !errors.Is(err, effects.ErrInternal) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if b, _, _ := a.budgets.Get(ctx, BudgetKey{ctxAB, bob}); b.Spent != 0 || len(a.journal.types()) != 0 {
		t.Fatalf("a misconfigured executor ran commands: %+v %v", b, a.journal.types())
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := a.exec.Run(cctx, d); !errors.Is(err, effects.ErrCancelled) {
		t.Fatalf("cancelled: %v", err)
	}
}
