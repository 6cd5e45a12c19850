package sdktest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

func echoPlugin() *sdk.Plugin {
	return &sdk.Plugin{
		Name: "echo", Version: "1.0.0",
		Operations: []sdk.Operation{
			{
				Spec: sdk.OpSpec{ID: "echo.say", Params: []sdk.Param{{Name: "text", Kind: sdk.KindString}},
					Result: sdk.KindString, Idempotent: true, Determinism: sdk.Pure},
				Handle: func(ctx context.Context, c *sdk.Call) (sdk.Value, error) { return c.Arg("text"), nil },
			},
			{
				Spec: sdk.OpSpec{ID: "echo.wait", Result: sdk.KindNull, Determinism: sdk.ReadsWorld},
				Handle: func(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
					<-ctx.Done()
					return sdk.Null(), ctx.Err()
				},
			},
		},
	}
}

func TestConformanceOfAWellBehavedPlugin(t *testing.T) {
	sdktest.Conformance(t, echoPlugin(), sdktest.WithBlockingCall("echo.wait", effects.Null()))
}

func TestHarnessRoundTrip(t *testing.T) {
	h := sdktest.New(t, echoPlugin())
	v, err := h.Invoke(context.Background(), "echo.say", effects.Map(map[string]effects.Value{"text": effects.String("hi")}))
	if err != nil || !v.Equal(effects.String("hi")) {
		t.Fatalf("got %v, %v", v, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := h.Invoke(ctx, "echo.wait", effects.Null()); !errors.Is(err, effects.ErrTimeout) {
		t.Fatalf("got %v, want timeout", err)
	}
}
