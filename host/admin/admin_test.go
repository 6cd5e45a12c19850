package admin_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/admin"
	"github.com/aurahost/aura-host/host/supervise"
)

// fakeHost is a Target without any plugin behind it: the endpoint needs
// nothing of a Host but these four methods.
type fakeHost struct{ reset []string }

func (f *fakeHost) Status() admin.Status {
	return admin.Status{Deployment: "d", Mode: "testing", Plugins: []supervise.PluginStatus{{Name: "p", State: supervise.StateReady}}}
}

func (f *fakeHost) Reset(_ context.Context, plugin string) error {
	if plugin != "p" {
		return errors.New("no plugin " + plugin)
	}
	f.reset = append(f.reset, plugin)
	return nil
}

func (f *fakeHost) Operation(op effects.OpID) (effects.OpSpec, bool) {
	if op != "echo.say" {
		return effects.OpSpec{}, false
	}
	return effects.OpSpec{ID: op, Result: effects.KindString, Idempotent: true,
		Params: []effects.Param{{Name: "text", Kind: effects.KindString}}}, true
}

func (f *fakeHost) Invoke(_ context.Context, call *effects.Call) (effects.Value, error) {
	if call.Op != "echo.say" {
		return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: call.Op, Message: "unknown"}
	}
	return call.Arg("text"), nil
}

func TestServerServesTheTargetThroughTheClient(t *testing.T) {
	sockets, err := os.MkdirTemp("", "adm") // short: unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockets) })
	state := t.TempDir()
	target := &fakeHost{}
	srv, err := admin.Serve(admin.Config{StateDir: state, SocketDir: sockets, Target: target})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	defer srv.Close(ctx)

	path, err := admin.Find(state)
	if err != nil {
		t.Fatal(err)
	}
	c := admin.Dial(path)
	st, err := c.Status(ctx)
	if err != nil || st.Deployment != "d" || len(st.Plugins) != 1 || st.Plugins[0].State != supervise.StateReady {
		t.Fatalf("status: %+v, %v", st, err)
	}
	if err := c.Reset(ctx, "p"); err != nil || len(target.reset) != 1 {
		t.Fatalf("reset p: %v (resets %v)", err, target.reset)
	}
	if err := c.Reset(ctx, "q"); err == nil || !strings.Contains(err.Error(), "no plugin q") {
		t.Fatalf("reset q: %v", err)
	}
	spec, err := c.Operation(ctx, "echo.say")
	if err != nil || !spec.Idempotent || len(spec.Params) != 1 || spec.Result != effects.KindString {
		t.Fatalf("operation: %+v, %v", spec, err)
	}
	if _, err := c.Operation(ctx, "echo.none"); effects.AsError(err) == nil || effects.AsError(err).Code != effects.CodeUnknownOp {
		t.Fatalf("unknown operation: %v", err)
	}
	v, err := c.Invoke(ctx, "echo.say", effects.Map(map[string]effects.Value{"text": effects.String("hi")}))
	if s, _ := v.AsString(); err != nil || s != "hi" {
		t.Fatalf("invoke: %v, %v", v, err)
	}
	v, err = c.InvokeText(ctx, "", "echo.say", effects.TextArgs{Pairs: []string{"text=typed"}})
	if s, _ := v.AsString(); err != nil || s != "typed" {
		t.Fatalf("invoke text: %v, %v", v, err)
	}
	if _, err := c.InvokeText(ctx, "", "echo.say", effects.TextArgs{Pairs: []string{"colour=red"}}); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Fatalf("invoke text with an undeclared name: %v", err)
	}
	if _, err := c.InvokeText(ctx, "", "echo.none", effects.TextArgs{}); effects.AsError(err) == nil || effects.AsError(err).Code != effects.CodeUnknownOp {
		t.Fatalf("invoke text of an unknown operation: %v", err)
	}
	srv.Close(ctx)
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket left after Close: %v", err)
	}
}

// TestFindRunning: the host serving a deployment from its state directory
// is found; another deployment's name, or a directory nobody serves, is not.
func TestFindRunning(t *testing.T) {
	sockets, err := os.MkdirTemp("", "adm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockets) })
	state := t.TempDir()
	srv, err := admin.Serve(admin.Config{StateDir: state, SocketDir: sockets, Target: &fakeHost{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	defer srv.Close(ctx)
	if c, st, ok := admin.FindRunning(ctx, state, "d"); !ok || c == nil || st.Deployment != "d" {
		t.Errorf("FindRunning(d) = %v, %+v, %v", c, st, ok)
	}
	if _, _, ok := admin.FindRunning(ctx, state, "other"); ok {
		t.Error("found a host of another deployment")
	}
	if _, _, ok := admin.FindRunning(ctx, t.TempDir(), "d"); ok {
		t.Error("found a host where none runs")
	}
}
