package agent_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/plugins"
	"github.com/aurahost/aura-host/plugins/transport"
)

// A service that cannot start fails the build with a clear error naming
// it: recovery replays its facts from the journal at Start, and this
// deployment has no journal.
func TestFailingServiceStartFailsTheBuild(t *testing.T) {
	dep := deployment(t, `
deployment "t" {}
plugin "crypto"   { builtin = "crypto" }
plugin "clock"    { builtin = "clock" }
plugin "random"   { builtin = "random" }
plugin "recovery" {
  builtin    = "recovery"
  depends_on = ["crypto", "clock", "random"]
}
service "recovery" {}
`)
	_, err := agent.NewBuilder().WithConfig(dep).WithAuthorityLabel("a").WithBuiltins(plugins.Lookup, true).BuildTesting(context.Background())
	var be *agent.BuildError
	if !errors.As(err, &be) || be.Kind != agent.EffectInit || be.Effect != "recovery" {
		t.Fatalf("got %v, want an EffectInit build error for recovery", err)
	}
	if !strings.Contains(err.Error(), "service failed to start") {
		t.Fatalf("error does not say what failed: %v", err)
	}
}

// Shutdown refuses new operations, cancels the agent's tasks, stops its
// plugins, and a second Shutdown returns the first result.
func TestAgentShutdownIsOrderedAndIdempotent(t *testing.T) {
	dep := deployment(t, `
deployment "t" {}
plugin "crypto" { builtin = "crypto" }
plugin "clock"  { builtin = "clock" }
`)
	a, err := agent.NewBuilder().WithConfig(dep).WithAuthorityLabel("a").WithBuiltins(plugins.Lookup, true).BuildTesting(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	if err := a.Tasks().Group("sync").Go("anti-entropy", func(ctx context.Context) error {
		<-ctx.Done()
		close(stopped)
		return ctx.Err()
	}); err != nil {
		t.Fatal(err)
	}
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-stopped // the task saw its cancellation before Shutdown returned
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatalf("second shutdown: %v", err)
	}
	if _, err := a.Invoke(context.Background(), "crypto.hash", effects.Map(map[string]effects.Value{"data": effects.Bytes(nil)})); !errors.Is(err, effects.ErrUnavailable) {
		t.Fatalf("call after shutdown: got %v", err)
	}
}

// Testing mode swaps a real transport for the in-memory network.
func TestTestingModeUsesAnInMemoryTransport(t *testing.T) {
	dep := deployment(t, `
deployment "t" {}
plugin "network" { builtin = "transport" }
`)
	a, err := agent.NewBuilder().WithConfig(dep).WithAuthorityLabel("a").WithBuiltins(plugins.Lookup, true).BuildTesting(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(context.Background())
	if got := a.Host().Descriptors()["network"].Name; got != "sim-network" {
		t.Fatalf("network plugin in testing mode is %q, want sim-network", got)
	}
}

// The Config layer under the Builder (what EffectSystemBuilder, now
// removed, checked) refuses a runtime without an authority too.
func TestNewNeedsAnAuthority(t *testing.T) {
	_, err := agent.New(context.Background(), agent.Config{Deployment: deployment(t, `deployment "t" {}`)})
	var be *agent.BuildError
	if !errors.As(err, &be) || be.Kind != agent.MissingRequired || be.Field != "authority_id" {
		t.Fatalf("got %v", err)
	}
}

// In production an agent's transport proves the agent's device key: its
// libp2p peer ID is the device key's, so receipts and transport identity
// agree.
func TestProductionTransportUsesTheDeviceKey(t *testing.T) {
	dep := deployment(t, `
deployment "t" { mode = "production" }
plugin "network" { builtin = "transport" }
`)
	var logs strings.Builder
	var mu sync.Mutex
	logger := hclog.New(&hclog.LoggerOptions{Output: writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), Level: hclog.Info})
	a, err := agent.NewBuilder().WithConfig(dep).WithAuthorityLabel("a").WithBuiltins(plugins.Lookup, true).
		WithStateDir(t.TempDir()).WithLogger(logger).BuildProduction(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(context.Background())
	id, err := transport.PeerID(a.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "peer_id="+id.String()) {
		t.Fatalf("the transport does not listen as the device key's peer ID %s:\n%s", id, logs.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// An agent whose plugins run in process releases their files on
// Shutdown: a second agent over the same state directory, in the same
// process, opens the journal and storage again and finds what the first
// wrote (before, bbolt's lock stayed held and the second agent's journal
// timed out configuring).
func TestInProcessPluginsReleaseTheirFilesOnShutdown(t *testing.T) {
	dep := deployment(t, `
deployment "t" {}
plugin "journal" { builtin = "journal" }
plugin "storage" { builtin = "storage" }
`)
	ctx := context.Background()
	dir := t.TempDir()
	build := func() *agent.Agent {
		a, err := agent.New(ctx, agent.Config{Deployment: dep, Mode: effects.Production, AuthorityLabel: "a", StateDir: dir,
			Host: host.Config{Builtins: plugins.Lookup, InProcess: true}})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := build()
	if _, err := a.Invoke(ctx, effects.StorageStore, effects.Map(map[string]effects.Value{
		"key": effects.String("k"), "value": effects.Bytes([]byte("v"))})); err != nil {
		t.Fatal(err)
	}
	if err := a.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	b := build()
	defer b.Shutdown(ctx)
	v, err := b.Invoke(ctx, effects.StorageRetrieve, effects.Map(map[string]effects.Value{"key": effects.String("k")}))
	if got, _ := v.AsBytes(); err != nil || string(got) != "v" {
		t.Fatalf("after a restart in the same process: %v, %v; want the stored value", v, err)
	}
}
