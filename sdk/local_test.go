package sdk

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
)

func localTestPlugin(got *Configuration) *Plugin {
	return &Plugin{
		Name: "t", Version: "1.0.0",
		Config: []ConfigField{{Name: "greeting", Kind: KindString, Default: String("hi")}, {Name: "n", Kind: KindInt}},
		Configure: func(_ context.Context, c *Configuration) error {
			*got = *c
			return nil
		},
		Operations: []Operation{
			{Spec: OpSpec{ID: "t.echo", Params: []Param{{Name: "v", Kind: KindAny}}, Result: KindAny, Determinism: Pure},
				Handle: func(_ context.Context, c *Call) (Value, error) { return c.Arg("v"), nil }},
			{Spec: OpSpec{ID: "t.wait", Result: KindNull, Determinism: ReadsWorld},
				Handle: func(ctx context.Context, _ *Call) (Value, error) {
					<-ctx.Done()
					return Null(), ctx.Err()
				}},
			{Spec: OpSpec{ID: "t.panic", Result: KindNull, Determinism: Pure},
				Handle: func(context.Context, *Call) (Value, error) { panic("boom") }},
			{Spec: OpSpec{ID: "t.callback", Result: KindAny, Determinism: WritesWorld},
				Handle: func(ctx context.Context, c *Call) (Value, error) {
					return got.Host.Invoke(ctx, "other.op", Map(map[string]Value{"x": Int(1)}))
				}},
		},
	}
}

// A plugin run in process answers with the same checks as a served one.
func TestLocalBehavesLikeAServedPlugin(t *testing.T) {
	var cfg Configuration
	l, err := NewLocal(localTestPlugin(&cfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	alice := effects.DeriveAuthorityID("alice", 0)
	var seen *effects.Call
	host := effects.HandlerFunc(func(_ context.Context, c *effects.Call) (effects.Value, error) {
		seen = c
		return String("from host"), nil
	})
	if _, err := l.Invoke(ctx, &Call{Op: "t.echo", Args: Map(nil)}); !errors.Is(err, effects.ErrUnavailable) {
		t.Fatalf("before Configure: got %v, want unavailable", err)
	}
	if diags := l.Configure(ctx, ConfigureRequest{Config: Map(map[string]Value{"n": String("x")}), Mode: Production, Authority: alice}, host); len(diags) != 1 || diags[0].Path[0] != "n" {
		t.Fatalf("wrong config kind: diagnostics %+v", diags)
	}
	if diags := l.Configure(ctx, ConfigureRequest{Config: Map(nil), Mode: Testing, Seed: 7, Authority: alice}, host); len(diags) != 0 {
		t.Fatalf("configure: %+v", diags)
	}
	if g, _ := cfg.Get("greeting").AsString(); g != "hi" || cfg.Seed != 7 || cfg.Authority != alice {
		t.Fatalf("configuration seen by the plugin: %+v (defaults must be applied)", cfg)
	}
	v, err := l.Invoke(ctx, &Call{Op: "t.echo", Args: Map(map[string]Value{"v": Int(3)})})
	if err != nil || !v.Equal(Int(3)) {
		t.Fatalf("echo: %v, %v", v, err)
	}
	for name, tc := range map[string]struct {
		call *Call
		want *effects.Error
	}{
		"unknown op":      {&Call{Op: "t.nope"}, effects.ErrUnknownOp},
		"bad args":        {&Call{Op: "t.echo", Args: Map(map[string]Value{"w": Int(1)})}, effects.ErrInvalidArgs},
		"other authority": {&Call{Op: "t.echo", Args: Map(map[string]Value{"v": Int(1)}), Authority: effects.DeriveAuthorityID("bob", 0)}, effects.ErrDenied},
		"panic":           {&Call{Op: "t.panic"}, effects.ErrInternal},
	} {
		if _, err := l.Invoke(ctx, tc.call); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, err, tc.want.Code)
		}
	}
	if v, err := l.Invoke(ctx, &Call{Op: "t.callback"}); err != nil || v.String() != `"from host"` || seen.Authority != alice || seen.Op != "other.op" {
		t.Fatalf("callback: %v, %v, host saw %+v", v, err, seen)
	}
	if h := l.Health(ctx); h.Status != Healthy {
		t.Fatalf("health of an in-process handler plugin: %v", h)
	}
}

// InvokeWithDeadline gives the handler the deadline, which ends the call
// with a timeout, as a plugin process's stream does.
func TestLocalEndsACallAtItsDeadline(t *testing.T) {
	var cfg Configuration
	l, err := NewLocal(localTestPlugin(&cfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if diags := l.Configure(ctx, ConfigureRequest{Config: Map(nil), Mode: Testing}, nil); len(diags) != 0 {
		t.Fatalf("configure: %+v", diags)
	}
	for range 3 { // the timer re-arms after each
		deadline := time.Now().Add(10 * time.Millisecond)
		_, err := l.InvokeWithDeadline(ctx, &Call{Op: "t.wait"}, deadline)
		if !errors.Is(err, effects.ErrTimeout) {
			t.Fatalf("got %v, want timeout", err)
		}
		if time.Now().Before(deadline) {
			t.Fatal("timed out before the deadline")
		}
	}
}
