package sim

import (
	"context"
	"crypto/ed25519"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/guard"
)

type edSigner ed25519.PrivateKey

func (s edSigner) Sign(_ context.Context, msg []byte) ([]byte, error) {
	return ed25519.Sign(ed25519.PrivateKey(s), msg), nil
}

func (s edSigner) PublicKey() ed25519.PublicKey {
	return ed25519.PrivateKey(s).Public().(ed25519.PublicKey)
}

// A receiver whose receipt store forgets what it accepted (the planted
// bug: a fresh store after the first accept) takes the same receipt twice;
// receipt_once catches it, and holds for a receiver that refuses the
// replay.
func TestReceiptOnceCatchesAReplayAcceptedTwice(t *testing.T) {
	ctx := context.Background()
	pub, priv, _ := ed25519.GenerateKey(nil)
	key := guard.ChainKey{Context: effects.ContextID{1}, Src: effects.AuthorityID{2}, Dst: effects.AuthorityID{3}}
	r, err := guard.NewReceiptManager(guard.NewMemStore(), 0).Issue(ctx, edSigner(priv), key, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := r.MarshalBinary()
	check := func(forgetful bool) error {
		obs := &observations{}
		a := &simAgent{name: "bob"}
		recv := guard.NewReceiptManager(guard.NewMemStore(), 0)
		for i := range 2 {
			if forgetful && i > 0 {
				recv = guard.NewReceiptManager(guard.NewMemStore(), 0)
			}
			if recv.Accept(ctx, r, pub) == nil {
				obs.receipt(a, raw)
			}
			obs.step++
		}
		return checkReceiptOnce(&View{obs: obs})
	}
	if err := check(false); err != nil {
		t.Fatalf("a receiver that refuses the replay: %v", err)
	}
	err = check(true)
	if err == nil || !strings.Contains(err.Error(), "agent bob accepted receipt nonce 1 (epoch 0)") || !strings.Contains(err.Error(), "twice: at step 0 and at step 1") {
		t.Fatalf("the replay accepted twice went unnoticed: %v", err)
	}
}

// flow_budget flags a charge past the limit (here a peer's replica
// merged in, claiming more spent than the limit allows), not a limit
// lowered below what was already spent.
func TestFlowBudgetCatchesAChargePastTheLimit(t *testing.T) {
	ctx := context.Background()
	m := guard.NewFlowBudgetManager(guard.NewMemStore())
	key := guard.BudgetKey{Context: effects.ContextID{1}, Peer: effects.AuthorityID{2}}
	look := func(prev map[budgetID]guard.FlowBudget) error {
		b, _, err := m.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return overspent(prev, []Budget{{Agent: "alice", Run: "r", Peer: "bob", FlowBudget: b}})
	}
	prev := map[budgetID]guard.FlowBudget{}
	if _, err := m.Set(ctx, key, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Charge(ctx, key, 8); err != nil {
		t.Fatal(err)
	}
	if err := look(prev); err != nil {
		t.Fatalf("8 of 10: %v", err)
	}
	if _, err := m.Merge(ctx, key, guard.FlowBudget{Limit: 5}); err != nil {
		t.Fatal(err)
	}
	if err := look(prev); err != nil {
		t.Fatalf("a limit lowered to 5 below the 8 spent: %v", err)
	}
	if _, err := m.Merge(ctx, key, guard.FlowBudget{Limit: 10, Spent: 15}); err != nil {
		t.Fatal(err)
	}
	if err := look(prev); err == nil || err.Error() != `agent alice spent 15 of a flow budget of 5 toward bob in run "r"` {
		t.Fatalf("15 spent of 5 went unnoticed: %v", err)
	}
}
