package guard_test

import (
	"context"
	"crypto/ed25519"
	"fmt"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/guard"
)

// Example_send shows the wiring the host does around a send: snapshot,
// evaluate, run the commands, attach the receipt; and on the receiving
// side, the transport gate.
func Example_send() {
	ctx := context.Background()
	alice := effects.DeriveAuthorityID("alice", 7)
	bob := effects.DeriveAuthorityID("bob", 7)
	room := effects.DeriveContextID("alice-bob", 7)
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)) // the host: the authority's key

	// Per agent, once.
	store := guard.NewMemStore() // the host: a Store over the storage plugin
	budgets := guard.NewFlowBudgetManager(store)
	receipts := guard.NewReceiptManager(store, 0)
	var facts int
	exec := &guard.Executor{
		Budgets: budgets, Receipts: receipts, Signer: guard.KeySigner(priv),
		Journal: func(ctx context.Context, fact effects.Value) error { facts++; return nil },
	}
	policy := guard.Policy{Guarded: []string{"invitation.*"}, Sends: []string{"transport.send_envelope"}}
	grants := map[effects.AuthorityID][]string{alice: {"invitation.*", "transport.send_envelope"}}
	key := guard.BudgetKey{Context: room, Peer: bob}
	budgets.Set(ctx, key, 4)

	send := func(payload []byte) (guard.Envelope, error) {
		req := guard.Request{Op: "transport.send_envelope", Authority: alice, Context: room,
			Peer: bob, PayloadSize: len(payload), Time: 1000}
		b, err := budgets.Snapshot(ctx, req.BudgetKey())
		if err != nil {
			return guard.Envelope{}, err
		}
		d := guard.Evaluate(guard.Snapshot{Policy: policy, Grants: grants, Budgets: b}, req)
		out, err := exec.Run(ctx, d)
		if err != nil {
			return guard.Envelope{}, err // nothing happened
		}
		enc, _ := out.Receipt.MarshalBinary()
		return guard.Envelope{Destination: bob, Source: alice, Context: room, Payload: payload, Receipt: enc}, nil
	}

	// Bob's side.
	inbox := guard.NewReceiptManager(guard.NewMemStore(), 0)
	for i := range 3 {
		env, err := send([]byte("hello"))
		if err != nil {
			fmt.Println("send", i, "refused:", err)
			continue
		}
		r, err := guard.RequireReceipt(ctx, env, inbox, priv.Public().(ed25519.PublicKey))
		fmt.Println("send", i, "delivered with nonce", r.Nonce, err)
	}
	fmt.Println("facts journaled:", facts)
	// Output:
	// send 0 delivered with nonce 1 <nil>
	// send 1 delivered with nonce 2 <nil>
	// send 2 refused: transport.send_envelope: exhausted: flow_budget guard: send to authority-e4111424e99a709a0ba1a869ddf61113 in context-f7a1873bd4aa0343eecc4266fd27f965 costs 2, headroom is 0 (limit 4, spent 4, epoch 0)
	// facts journaled: 6
}
