package host_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
)

// wrongKindDeployment runs the test plugin with test.greeting answering an
// int where it declares a string.
const wrongKindDeployment = `
deployment "t" {}
plugin "liar" {
  command = "TESTPLUGIN"
  args    = ["wrong-kind"]
  allow_unpinned = true
}
`

// checkMismatch says whether err is the typed internal error of a result
// that breaks its declaration, naming the plugin and the operation.
func checkMismatch(t *testing.T, err error, plugin string, op effects.OpID) {
	t.Helper()
	var e *effects.Error
	if !errors.As(err, &e) || e.Code != effects.CodeInternal || !errors.Is(err, effects.ErrResultMismatch) {
		t.Fatalf("got %v, want an internal error wrapping effects.ErrResultMismatch", err)
	}
	if e.Plugin != plugin || e.Op != op || !strings.Contains(e.Message, "returned a int where the operation declares a string result") {
		t.Fatalf("got plugin %q op %q message %q; want %s, %s and the two kinds", e.Plugin, e.Op, e.Message, plugin, op)
	}
}

// A plugin's result of another kind than its operation declares is not
// passed through: callers (facades, the VM, the CLI) trust the
// declaration. It becomes an internal error naming the plugin and the
// operation — for a call over the plugin's stream, and for a plugin's
// callback through the Host service (unary), which takes the same router.
func TestResultOfTheWrongKindIsAnInternalError(t *testing.T) {
	h := startHost(t, deployment(t, wrongKindDeployment))
	ctx := context.Background()
	v, err := h.Invoke(ctx, call("test.greeting", nil))
	if err == nil {
		t.Fatalf("test.greeting answered %v, a wrong kind, without an error", v)
	}
	checkMismatch(t, err, "liar", "test.greeting")

	// The same call made by the plugin through the host's callback service.
	_, err = h.Invoke(ctx, call("test.callback", map[string]effects.Value{"op": effects.String("test.greeting")}))
	if e := effects.AsError(err); e == nil || e.Code != effects.CodeInternal || !strings.Contains(e.Message, "declares a string result") {
		t.Fatalf("callback: got %v, want the internal error of the wrong kind", err)
	}

	// An operation answering its declared kind still works.
	in := effects.List(effects.Int(1))
	if got := invoke(t, h, "test.echo", map[string]effects.Value{"value": in}); !got.Equal(in) {
		t.Fatalf("echo = %v", got)
	}
}

// In-process handlers are held to their declaration on the same path.
func TestInProcessResultsAreCheckedToo(t *testing.T) {
	reg := effects.NewRegistry()
	spec := effects.OpSpec{ID: "inproc.name", Result: effects.KindString, Determinism: effects.Pure}
	deep := effects.OpSpec{ID: "inproc.deep", Result: effects.KindAny, Determinism: effects.Pure}
	var answer effects.Value
	h := effects.HandlerFunc(func(context.Context, *effects.Call) (effects.Value, error) { return answer, nil })
	if err := reg.Register("inproc", h, spec, deep); err != nil {
		t.Fatal(err)
	}
	r := host.NewRouter(reg, effects.DeriveAuthorityID("a", 0))
	ctx := context.Background()

	answer = effects.Int(3)
	_, err := r.Invoke(ctx, &effects.Call{Op: spec.ID})
	checkMismatch(t, err, "inproc", spec.ID)

	answer = effects.String("ok")
	if v, err := r.Invoke(ctx, &effects.Call{Op: spec.ID}); err != nil || !v.Equal(answer) {
		t.Fatalf("got %v, %v", v, err)
	}

	// A result nested past effects.MaxDepth would break the stream of any
	// plugin it is passed to, and cannot be decoded by one: refused too.
	answer = effects.Null()
	for range effects.MaxDepth + 1 {
		answer = effects.List(answer)
	}
	if _, err := r.Invoke(ctx, &effects.Call{Op: deep.ID}); !errors.Is(err, effects.ErrResultMismatch) {
		t.Fatalf("too deep a result: got %v", err)
	}
	answer = answer.Items()[0] // one level less: exactly MaxDepth, accepted
	if _, err := r.Invoke(ctx, &effects.Call{Op: deep.ID}); err != nil {
		t.Fatalf("a result at the depth limit: %v", err)
	}
}

// Arguments nested past effects.MaxDepth are refused by the router with
// invalid_args, whatever the parameter's kind.
func TestArgumentsPastTheDepthLimitAreRefused(t *testing.T) {
	reg := effects.NewRegistry()
	spec := effects.OpSpec{ID: "inproc.take", Params: []effects.Param{{Name: "v", Kind: effects.KindAny}},
		Result: effects.KindNull, Determinism: effects.Pure}
	reached := 0
	h := effects.HandlerFunc(func(context.Context, *effects.Call) (effects.Value, error) { reached++; return effects.Null(), nil })
	if err := reg.Register("inproc", h, spec); err != nil {
		t.Fatal(err)
	}
	r := host.NewRouter(reg, effects.DeriveAuthorityID("a", 0))
	// The arguments map is level 0: an argument nested MaxDepth-1 times
	// puts its innermost value at MaxDepth.
	v := effects.Int(1)
	for range effects.MaxDepth - 1 {
		v = effects.Map(map[string]effects.Value{"k": v})
	}
	if _, err := r.Invoke(context.Background(), &effects.Call{Op: spec.ID, Args: effects.Map(map[string]effects.Value{"v": v})}); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	v = effects.List(v)
	_, err := r.Invoke(context.Background(), &effects.Call{Op: spec.ID, Args: effects.Map(map[string]effects.Value{"v": v})})
	if !errors.Is(err, effects.ErrInvalidArgs) || !strings.Contains(err.Error(), "deeper than") {
		t.Fatalf("one level deeper: got %v, want invalid_args", err)
	}
	if reached != 1 {
		t.Fatalf("the handler ran %d times, want once (only the legal call)", reached)
	}
}
