package effects_test

import (
	"context"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

func TestEffectContextScopesCalls(t *testing.T) {
	alice := effects.DeriveAuthorityID("alice", 0)
	ctxID := effects.DeriveContextID("c", 0)
	bob := effects.DeriveAuthorityID("bob", 0)
	plain := &effects.Call{Op: "x.y"}
	if got := effects.Scope(context.Background(), plain); got != plain {
		t.Fatal("a context without an EffectContext must leave the call alone")
	}
	ctx := effects.WithEffectContext(context.Background(), effects.EffectContext{Authority: alice, Context: ctxID, Mode: effects.Testing})
	got := effects.Scope(ctx, plain)
	if got == plain || got.Authority != alice || got.Context != ctxID || plain.Authority == alice {
		t.Fatalf("scoped call %+v (original %+v)", got, plain)
	}
	own := &effects.Call{Op: "x.y", Authority: bob}
	if got := effects.Scope(ctx, own); got.Authority != bob || got.Context != ctxID {
		t.Fatalf("a call's own authority must win: %+v", got)
	}
	if ec, ok := effects.EffectContextFrom(ctx); !ok || ec.Mode != effects.Testing {
		t.Fatalf("EffectContextFrom: %+v, %v", ec, ok)
	}
}
