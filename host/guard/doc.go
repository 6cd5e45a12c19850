// Package guard is the guard chain of Aura Host and the two ledgers it
// charges: flow budgets and signed receipts.
//
// Every guarded operation and every send passes the chain, in this order:
//
//	Capability      may this authority perform this operation? (its agent's
//	                allow patterns: "invitation.accept", "invitation.*", "*")
//	FlowBudget      sends only: is there headroom for (context, peer)?
//	                emits a Charge of SendCost(payload) = 1 + 1 per started KiB
//	JournalCoupling emits the fact that records the operation
//	Leakage         emits what each observer class learns from it
//
// Which operations are guarded and which are sends is a Policy, not code.
//
// How the host uses it (Example_send runs this): per agent it builds a
// FlowBudgetManager and a ReceiptManager over a Store, and an Executor with
// the authority's Signer and a journal sink. Before a send:
//
//	req := guard.Request{Op: ..., Authority: ..., Context: ..., Peer: ..., PayloadSize: ..., Time: ..., Body: ...}
//	budgets, err := fbm.Snapshot(ctx, req.BudgetKey())
//	d := guard.Evaluate(guard.Snapshot{Policy: p, Grants: g, Budgets: budgets}, req) // pure
//	out, err := executor.Run(ctx, d) // commands, in order; a denial runs none
//	if err != nil { return err }     // nothing is sent
//	env.Receipt, _ = out.Receipt.MarshalBinary()
//
// then sends the envelope. For any other guarded operation it evaluates
// the same way first (a denial stops the call), calls the handler, and
// runs the decision's commands only once the handler has succeeded, so a
// refused operation leaves no fact. The receiving transport
// delivers an envelope only if RequireReceipt(ctx, env, rm, sourceKey)
// accepts it.
//
// Facts. Every fact the package emits is a map Value with the fields
// type (string: guard.operation, guard.send, guard.receipt, guard.leakage),
// authority (16 bytes), time (uint, ms, from the request), predicate
// (string: the operation ID) and body (a map), so a journal plugin indexes
// them by predicate, authority and time and content-addresses the
// canonical encoding.
//
// It imports effects and external modules only — never host, sdk, config,
// vm or plugins — so the host wires it in and tests use it alone.
//
// Invariants a newcomer must not break:
//   - Evaluation is pure over a Snapshot: no clock (time comes from the
//     request), no store, no randomness, no mutation; the same snapshot and
//     request give the same Decision, byte for byte.
//   - A denial leaves no trace: the first denying guard stops the chain and
//     the Decision has no commands — no charge, no fact, no leakage record,
//     no receipt, no send. The Charge is the first command, so a charge that
//     fails when it runs (a concurrent send spent the headroom) also leaves
//     nothing behind.
//   - A missing budget never grants headroom, and epoch rotation is the only
//     replenishment. Nonces are never reissued; a receipt is accepted at most
//     once, in chain order, and pruning never forgets a chain's head.
package guard
