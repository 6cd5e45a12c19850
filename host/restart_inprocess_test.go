package host_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/plugins"
	"github.com/aurahost/aura-host/sdk"
)

// gate is a built-in for the restart tests: each instance knows its
// incarnation, and the first one's calls wait at the gate until the test
// opens it, so that a restart overtakes them.
type gate struct {
	instances atomic.Int64
	entered   chan struct{} // a call reached the first instance
	open      chan struct{} // the first instance's calls may answer
}

func (g *gate) plugin() *sdk.Plugin {
	incarnation := g.instances.Add(1)
	hold := func(ctx context.Context, _ *sdk.Call) (sdk.Value, error) {
		if incarnation == 1 {
			g.entered <- struct{}{}
			<-g.open
		}
		return sdk.Int(incarnation), nil
	}
	return &sdk.Plugin{Name: "gate", Version: "1.0.0", Operations: []sdk.Operation{
		{Spec: sdk.OpSpec{ID: "gate.peek", Result: sdk.KindInt, Idempotent: true, Determinism: sdk.ReadsWorld}, Handle: hold},
		{Spec: sdk.OpSpec{ID: "gate.take", Result: sdk.KindInt, Determinism: sdk.ReadsWorld}, Handle: hold},
	}}
}

func startGateHost(t *testing.T, g *gate) *host.Host {
	t.Helper()
	dep := deployment(t, `
deployment "t" {}
plugin "gate" { builtin = "gate" }
plugin "storage" { builtin = "storage" }
`)
	lookup := func(name string) (func() *sdk.Plugin, bool) {
		if name == "gate" {
			return g.plugin, true
		}
		return plugins.Lookup(name)
	}
	h, err := host.New(host.Config{Deployment: dep, Executable: "/nonexistent/aura-host", Logger: testLogger(t),
		InProcess: true, Builtins: lookup})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shutdownHost(t, h) })
	return h
}

// A restart in process is a new process as far as calls can tell: a call
// the restart overtook (begun on the old instance, answered after it was
// replaced) fails retryable unavailable when it is not idempotent, and an
// idempotent one is answered by the new instance; calls after the restart
// go to the new instance.
func TestRestartInProcessFailsOrRetriesCallsInFlight(t *testing.T) {
	for _, tc := range []struct {
		op         string
		idempotent bool
	}{{"gate.peek", true}, {"gate.take", false}} {
		t.Run(tc.op, func(t *testing.T) {
			g := &gate{entered: make(chan struct{}), open: make(chan struct{})}
			h := startGateHost(t, g)
			type answer struct {
				v   effects.Value
				err error
			}
			done := make(chan answer, 1)
			go func() {
				v, err := h.Invoke(context.Background(), call(tc.op, nil))
				done <- answer{v, err}
			}()
			<-g.entered
			if err := h.RestartPluginInProcess(context.Background(), "gate"); err != nil {
				t.Fatal(err)
			}
			close(g.open)
			got := <-done
			if tc.idempotent {
				if n, _ := got.v.AsInt(); got.err != nil || n != 2 {
					t.Fatalf("idempotent call overtaken by the restart: %v, %v; want the new instance's answer 2", got.v, got.err)
				}
			} else if e := effects.AsError(got.err); e == nil || e.Code != effects.CodeUnavailable || !e.Retryable {
				t.Fatalf("call overtaken by the restart: %v, %v; want retryable unavailable", got.v, got.err)
			}
			if n, _ := invoke(t, h, tc.op, nil).AsInt(); n != 2 {
				t.Fatalf("a call after the restart reached incarnation %d, want 2", n)
			}
			for _, p := range h.Plugins() {
				if p.Name == "gate" && p.RestartsTotal != 1 {
					t.Fatalf("gate's status counts %d restarts, want 1", p.RestartsTotal)
				}
			}
		})
	}
}

// The restarted instance opens what the old one made durable: storage's
// bbolt file, closed by the old instance first (bbolt locks it), holds
// what was stored before the restart. A plugin run as a process, or one
// the deployment does not declare, is refused with ErrNotRestartable.
func TestRestartInProcessKeepsDurableState(t *testing.T) {
	h := startGateHost(t, &gate{})
	invoke(t, h, "storage.store", map[string]effects.Value{"key": effects.String("k"), "value": effects.Bytes([]byte("v"))})
	if err := h.RestartPluginInProcess(context.Background(), "storage"); err != nil {
		t.Fatal(err)
	}
	if got := invoke(t, h, "storage.retrieve", map[string]effects.Value{"key": effects.String("k")}); got.BytesString() != "v" {
		t.Fatalf("retrieve after the restart = %v, want what was stored before it", got)
	}
	if err := h.RestartPluginInProcess(context.Background(), "nonesuch"); !errors.Is(err, host.ErrNotRestartable) {
		t.Fatalf("restart of an undeclared plugin: %v, want ErrNotRestartable", err)
	}
}
