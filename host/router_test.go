package host_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
)

const testDeployment = `
deployment "t" {}
plugin "tp" {
  command = "TESTPLUGIN"
  allow_unpinned = true
  config { greeting = "bonjour" }
}
`

func TestRoutedCallsReachThePluginWithItsConfig(t *testing.T) {
	h := startHost(t, deployment(t, testDeployment))
	if got := invoke(t, h, "test.greeting", nil); got.String() != `"bonjour"` {
		t.Fatalf("greeting = %v, want the configured value", got)
	}
	in := effects.List(effects.Int(-1), effects.Bytes([]byte{0, 1}), effects.Map(map[string]effects.Value{"k": effects.Null()}))
	if got := invoke(t, h, "test.echo", map[string]effects.Value{"value": in}); !got.Equal(in) {
		t.Fatalf("echo = %v, want %v", got, in)
	}
}

func TestCallsActForTheHostsAuthority(t *testing.T) {
	h := startHost(t, deployment(t, testDeployment))
	if got := invoke(t, h, "test.authority", nil); got.String() != `"`+h.Authority().String()+`"` {
		t.Fatalf("plugin saw authority %v, want %v", got, h.Authority())
	}
	other := effects.DeriveAuthorityID("mallory", 0)
	c := call("test.authority", nil)
	c.Authority = other
	_, err := h.Invoke(context.Background(), c)
	if !errors.Is(err, effects.ErrDenied) {
		t.Fatalf("call for another authority: got %v, want denied", err)
	}
}

func TestRouterRejectsBadCallsBeforeThePlugin(t *testing.T) {
	h := startHost(t, deployment(t, testDeployment))
	ctx := context.Background()
	if _, err := h.Invoke(ctx, call("nobody.serves_this", nil)); !errors.Is(err, effects.ErrUnknownOp) {
		t.Fatalf("unknown op: got %v", err)
	}
	if _, err := h.Invoke(ctx, call("test.sleep", map[string]effects.Value{"ms": effects.String("x")})); !errors.Is(err, effects.ErrInvalidArgs) {
		t.Fatalf("wrong kind: got %v", err)
	}
}

func TestDeadlinesAndCancellationReachThePlugin(t *testing.T) {
	h := startHost(t, deployment(t, testDeployment))
	long := map[string]effects.Value{"ms": effects.Int(time.Hour.Milliseconds())}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := h.Invoke(ctx, call("test.sleep", long)); !errors.Is(err, effects.ErrTimeout) {
		t.Fatalf("past deadline: got %v, want timeout", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := h.Invoke(ctx, call("test.sleep", long))
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, effects.ErrCancelled) {
		t.Fatalf("cancelled: got %v, want cancelled", err)
	}
	// The plugin is still answering after abandoned calls.
	invoke(t, h, "test.greeting", nil)
}

// A plugin calling back into the host goes through the router, scoped to
// the plugin's authority.
func TestPluginCallbacksGoThroughTheRouter(t *testing.T) {
	h := startHost(t, deployment(t, testDeployment))
	got := invoke(t, h, "test.callback", map[string]effects.Value{
		"op":   effects.String("test.greeting"),
		"args": effects.Map(nil),
	})
	if got.String() != `"bonjour"` {
		t.Fatalf("callback result = %v", got)
	}
	_, err := h.Invoke(context.Background(), call("test.callback", map[string]effects.Value{
		"op": effects.String("nobody.serves_this"),
	}))
	if !errors.Is(err, effects.ErrUnknownOp) {
		t.Fatalf("callback to an unknown op: got %v, want unknown_op", err)
	}
}
