package host_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/guard"
)

// TestReservedContext plays who may spend a reserved context's budget:
// the holder (the cover-traffic service) and nobody else, and the reserve
// and the application's budget never spend each other. Each step runs on
// the budgets the steps before it left.
func TestReservedContext(t *testing.T) {
	self := effects.DeriveAuthorityID("self", 0)
	peer := effects.DeriveAuthorityID("peer", 0)
	reserved := effects.DeriveContextID("aura-cover/v1", 0)
	other := effects.DeriveContextID("aura-other/v1", 0)
	app := effects.DeriveContextID("app", 0)
	reg := effects.NewRegistry()
	sent := 0
	nop := effects.HandlerFunc(func(context.Context, *effects.Call) (effects.Value, error) { return effects.Null(), nil })
	send := effects.HandlerFunc(func(context.Context, *effects.Call) (effects.Value, error) { sent++; return effects.Null(), nil })
	mustOK(t, reg.Register("journal", nop, effects.OpSpec{ID: effects.JournalAppendFact, Result: effects.KindAny, Determinism: effects.WritesWorld,
		Params: []effects.Param{{Name: "fact", Kind: effects.KindAny}}}))
	mustOK(t, reg.Register("network", send, effects.OpSpec{ID: effects.NetworkSendEnvelope, Result: effects.KindAny, Determinism: effects.WritesWorld,
		Params: []effects.Param{{Name: "envelope", Kind: effects.KindAny}}}))

	if _, err := host.NewRouter(reg, self).ReserveContext(reserved, "service cover"); err == nil {
		t.Fatal("an unguarded router reserved a context")
	}
	r := host.NewRouter(reg, self)
	r.Guard(host.GuardConfig{Allow: []string{"*"}, Signer: guard.KeySigner(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))),
		Store: guard.NewMemStore()})
	ctx := t.Context()
	// Each envelope (a 100-byte payload) costs 2: the reserve and the
	// application's budget hold two sends each.
	for _, c := range []effects.ContextID{reserved, app, other} {
		if _, err := r.FlowBudgets().Set(ctx, guard.BudgetKey{Context: c, Peer: peer}, 4); err != nil {
			t.Fatal(err)
		}
	}
	mark, err := r.ReserveContext(reserved, "service cover")
	mustOK(t, err)
	if _, err := r.ReserveContext(reserved, "someone else"); err == nil {
		t.Fatal("a context was reserved twice")
	}
	otherMark, err := r.ReserveContext(other, "service other")
	mustOK(t, err)

	steps := []struct {
		name    string
		ctx     func(context.Context) context.Context
		in      effects.ContextID
		want    *effects.Error // nil: sent
		reserve uint64         // the reserve's spent after the step
		appLeft uint64         // the application budget's spent after the step
	}{
		{"the application may not send in the reserved context", nil, reserved, effects.ErrDenied, 0, 0},
		{"another holder's mark does not open it", otherMark, reserved, effects.ErrDenied, 0, 0},
		{"the holder sends, charged to the reserve", mark, reserved, nil, 2, 0},
		{"the application sends in its own context", nil, app, nil, 2, 2},
		{"the application exhausts its own budget", nil, app, nil, 2, 4},
		{"the exhausted application is refused", nil, app, effects.ErrExhausted, 2, 4},
		{"the holder still sends: the application did not spend the reserve", mark, reserved, nil, 4, 4},
		{"the holder exhausts the reserve, not the application's budget", mark, reserved, effects.ErrExhausted, 4, 4},
		{"the holder's mark in the application's context is charged there", mark, app, effects.ErrExhausted, 4, 4},
	}
	for _, st := range steps {
		c := ctx
		if st.ctx != nil {
			c = st.ctx(ctx)
		}
		before := sent
		_, err := r.Invoke(c, &effects.Call{Op: effects.NetworkSendEnvelope, Args: effects.Map(map[string]effects.Value{
			"envelope": guard.Envelope{Source: self, Destination: peer, Context: st.in, Payload: make([]byte, 100)}.Value()})})
		switch {
		case st.want == nil && err != nil:
			t.Errorf("%s: refused: %v", st.name, err)
		case st.want != nil && !errors.Is(err, st.want):
			t.Errorf("%s: err %v, want %v", st.name, err, st.want.Code)
		case st.want == nil && sent != before+1, st.want != nil && sent != before:
			t.Errorf("%s: the network got %d sends, want %d", st.name, sent-before, map[bool]int{true: 1}[st.want == nil])
		}
		if st.want == effects.ErrDenied && st.ctx == nil && !errors.Is(err, host.ErrReservedContext) {
			t.Errorf("%s: err %v, want ErrReservedContext", st.name, err)
		}
		for key, want := range map[guard.BudgetKey]uint64{{Context: reserved, Peer: peer}: st.reserve, {Context: app, Peer: peer}: st.appLeft} {
			b, _, err := r.FlowBudgets().Get(ctx, key)
			mustOK(t, err)
			if b.Spent != want {
				t.Errorf("%s: budget %s spent %d, want %d", st.name, key, b.Spent, want)
			}
		}
	}
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
