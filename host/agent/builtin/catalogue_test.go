package builtin_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/plugins"
)

// The catalogue's view services read the guard chain's state and the
// agent's: what a budget has spent, the receipts retained, the held
// threshold key, the sync counters — and refuse malformed arguments.
func TestCatalogueServicesReadTheAgentsState(t *testing.T) {
	dep := deployment(t, `
deployment "t" {}
plugin "crypto"  { builtin = "crypto" }
plugin "journal" { builtin = "journal" }
plugin "clock"   { builtin = "clock" }
service "flow_budget_manager" { builtin = "flow_budget_manager" }
service "receipt_manager"     { builtin = "receipt_manager" }
service "threshold_signing"   { builtin = "threshold_signing" }
service "sync_service"        { builtin = "sync_service" }
`)
	ctx := context.Background()
	a, err := agent.NewBuilder().WithConfig(dep).WithAuthorityLabel("a").WithBuiltins(plugins.Lookup, true).BuildTesting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(ctx)
	c := effects.DeriveContextID("ctx", 1)
	peer := effects.DeriveAuthorityID("peer", 1)
	args := effects.Map(map[string]effects.Value{"context": effects.String(c.String()), "peer": effects.String(peer.String())})

	b, err := a.Invoke(ctx, effects.FlowBudgetGet, args)
	if charged, _ := field(b, "charged").AsBool(); err != nil || charged {
		t.Fatalf("an unused budget: %v, %v", b, err)
	}
	fb := a.Router().FlowBudgets()
	key := guard.BudgetKey{Context: c, Peer: peer}
	if _, err := fb.Set(ctx, key, 100); err != nil {
		t.Fatal(err)
	}
	if _, err := fb.Charge(ctx, key, 80); err != nil {
		t.Fatal(err)
	}
	b, err = a.Invoke(ctx, effects.FlowBudgetGet, args)
	if p, _ := field(b, "pressure").AsInt(); err != nil || p != 80 {
		t.Fatalf("after spending 80 of 100: %v, %v; want pressure 80", b, err)
	}

	chain, err := a.Invoke(ctx, effects.ReceiptChain, args)
	if err != nil || chain.Len() != 0 {
		t.Fatalf("receipts before any send: %v, %v", chain, err)
	}
	if st, err := a.Invoke(ctx, effects.ThresholdState, effects.Map(nil)); err != nil || !st.IsNull() {
		t.Fatalf("threshold state without a held key: %v, %v; want null", st, err)
	}
	if st, err := a.Invoke(ctx, effects.SyncStatus, effects.Map(nil)); err != nil || field(st, "peers").Len() != 0 {
		t.Fatalf("sync status without a sync block: %v, %v", st, err)
	}

	for _, bad := range []effects.Value{
		effects.Map(map[string]effects.Value{"context": effects.String("context-zz"), "peer": effects.String(peer.String())}),
		effects.Map(map[string]effects.Value{"context": effects.String(c.String()), "peer": effects.String("bob")}),
		effects.Map(map[string]effects.Value{"context": effects.String(c.String()), "peer": effects.String(peer.String()), "direction": effects.String("sideways")}),
	} {
		op := effects.FlowBudgetGet
		if _, ok := bad.Get("direction"); ok {
			op = effects.ReceiptChain
		}
		_, err := a.Invoke(ctx, op, bad)
		var ee *effects.Error
		if !errors.As(err, &ee) || ee.Code != effects.CodeInvalidArgs {
			t.Errorf("%s %v: %v, want invalid_args", op, bad, err)
		}
	}
}

func field(v effects.Value, key string) effects.Value {
	f, _ := v.Get(key)
	return f
}
