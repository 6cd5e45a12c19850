package sim_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/plugins"
)

// The simulated world is the simulator's. An agent allowed everything
// ("*", so its guard chain lets every call through to the plugin) cannot
// heal a partition, change the fault rates, tick the network or move,
// read or wait on the shared clock through its router: each is refused by
// the plugin itself (denied, "is the simulator's"), and the world is
// unchanged — the partition the simulator made still holds. The
// simulator's own path, Simulation.Control, can.
func TestAgentsCannotControlTheSimulatedWorld(t *testing.T) {
	ctx := context.Background()
	s, err := sim.New(ctx, sim.Config{Deployment: deployment(t, holdsDeployment(effects.Simulation)), Seed: 5,
		Builtins: plugins.Lookup, Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	account, guardian := s.Agent("account"), s.Agent("guardian")
	from, to := account.AuthorityID(), guardian.AuthorityID()
	if _, err := s.Control(ctx, effects.NetworkFaultsPartition, map[string]effects.Value{
		"a": effects.List(effects.Bytes(from[:])), "b": effects.List(effects.Bytes(to[:]))}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		op   effects.OpID
		args map[string]effects.Value
	}{
		{effects.NetworkFaultsHeal, nil},
		{effects.NetworkFaultsClear, nil},
		{effects.NetworkFaultsSetDropRate, map[string]effects.Value{"per_mille": effects.Int(1000)}},
		{effects.NetworkControlTick, map[string]effects.Value{"now_ms": effects.Int(1)}},
		{effects.NetworkControlStats, nil},
		{effects.TimeControlAdvanceTime, map[string]effects.Value{"ms": effects.Int(60_000)}},
		{effects.TimeControlSetTime, map[string]effects.Value{"ms": effects.Int(60_000)}},
		{effects.TimeControlNow, nil},
		{effects.TimeControlNextDeadline, nil},
		{effects.TimeControlWaitForSleepers, map[string]effects.Value{"n": effects.Int(0)}},
		{effects.TimeControlSetSkew, map[string]effects.Value{"authority": effects.Bytes(to[:]), "offset_ms": effects.Int(5)}},
	} {
		_, err := account.Invoke(ctx, c.op, effects.Map(c.args))
		if !errors.Is(err, effects.ErrDenied) || !strings.Contains(err.Error(), "is the simulator's") {
			t.Errorf("the account calling %s: %v, want the plugin's denial", c.op, err)
		}
	}
	now, err := s.Control(ctx, effects.TimeControlNow, nil)
	if err != nil || !now.Equal(effects.Int(0)) {
		t.Errorf("virtual time after the agent's attempts: %v, %v; want 0", now, err)
	}
	// The partition still holds: an envelope the account sends now is
	// never delivered, however far the simulator moves the network's time
	// (the services sent one on the link when they started).
	link := func() (sent, delivered effects.Value) {
		t.Helper()
		l, err := s.Control(ctx, effects.NetworkControlLink, map[string]effects.Value{"source": effects.Bytes(from[:]), "destination": effects.Bytes(to[:])})
		if err != nil {
			t.Fatal(err)
		}
		sent, _ = l.Get("sent")
		delivered, _ = l.Get("delivered")
		return sent, delivered
	}
	sentBefore, deliveredBefore := link()
	cid := effects.DeriveContextID("control test", 0)
	if _, err := account.Invoke(ctx, effects.NetworkSendEnvelope, effects.Map(map[string]effects.Value{"envelope": effects.Map(map[string]effects.Value{
		"destination": effects.Bytes(to[:]), "source": effects.Bytes(from[:]), "context": effects.Bytes(cid[:]),
		"payload": effects.Bytes([]byte("hello"))})})); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Control(ctx, effects.NetworkControlTick, map[string]effects.Value{"now_ms": effects.Int(10_000)}); err != nil {
		t.Fatal(err)
	}
	sent, delivered := link()
	if n, _ := sentBefore.AsInt(); !sent.Equal(effects.Int(n+1)) || !delivered.Equal(deliveredBefore) {
		t.Errorf("the link: sent %v → %v, delivered %v → %v; want one more sent and none delivered (still partitioned)", sentBefore, sent, deliveredBefore, delivered)
	}
	if _, err := s.Control(ctx, "storage.store", nil); err == nil || !strings.Contains(err.Error(), "is not a simulator control") {
		t.Errorf("Control of a non-control operation: %v", err)
	}
}

// An agent's simulated disk fails only when the simulator says so. The
// account, allowed everything ("*"), cannot fail, clear or read its own
// disk's faults through its router: the disk refuses it (denied, "is the
// simulator's"), and its storage keeps working — an agent that could fail
// its disk would count as the storage failure a sweep's coverage reports.
// The simulator's path, Simulation.Control with the agent named, can: the
// account's next storage call fails, and the disk counts it.
func TestAgentsCannotFailTheirSimulatedDisk(t *testing.T) {
	ctx := context.Background()
	s, err := sim.New(ctx, sim.Config{Deployment: deployment(t, holdsDeployment(effects.Simulation)), Seed: 5,
		Builtins: plugins.Lookup, Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	account := s.Agent("account")
	for _, c := range []struct {
		op   effects.OpID
		args map[string]effects.Value
	}{
		{effects.FaultInjectionInjectStorageFailure, map[string]effects.Value{"per_mille": effects.Int(1000)}},
		{effects.FaultInjectionClearFaults, nil},
		{effects.FaultInjectionStorageFaults, nil},
	} {
		_, err := account.Invoke(ctx, c.op, effects.Map(c.args))
		if !errors.Is(err, effects.ErrDenied) || !strings.Contains(err.Error(), "is the simulator's") {
			t.Errorf("the account calling %s: %v, want the disk's denial", c.op, err)
		}
	}
	store := effects.Map(map[string]effects.Value{"key": effects.String("k"), "value": effects.Bytes([]byte("v"))})
	if _, err := account.Invoke(ctx, effects.StorageStore, store); err != nil {
		t.Fatalf("a store after the account's attempts: %v, want it to work (no failure injected)", err)
	}
	faults := func() effects.Value {
		t.Helper()
		v, err := s.Control(ctx, effects.FaultInjectionStorageFaults, map[string]effects.Value{"agent": effects.String("account")})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got, want := faults(), effects.Map(map[string]effects.Value{"per_mille": effects.Int(0), "injected": effects.Int(0)}); !got.Equal(want) {
		t.Errorf("the account's disk after its attempts: %v, want %v", got, want)
	}
	if _, err := s.Control(ctx, effects.FaultInjectionInjectStorageFailure, map[string]effects.Value{
		"agent": effects.String("account"), "per_mille": effects.Int(1000)}); err != nil {
		t.Fatal(err)
	}
	if _, err := account.Invoke(ctx, effects.StorageStore, store); !errors.Is(err, effects.ErrUnavailable) {
		t.Errorf("a store with the simulator failing the disk: %v, want unavailable", err)
	}
	if got, want := faults(), effects.Map(map[string]effects.Value{"per_mille": effects.Int(1000), "injected": effects.Int(1)}); !got.Equal(want) {
		t.Errorf("the account's disk after the simulator's fault: %v, want %v", got, want)
	}
	if _, err := s.Control(ctx, effects.FaultInjectionClearFaults, map[string]effects.Value{"agent": effects.String("account")}); err != nil {
		t.Fatal(err)
	}
	if _, err := account.Invoke(ctx, effects.StorageStore, store); err != nil {
		t.Errorf("a store once the simulator cleared the fault: %v", err)
	}
	for _, args := range []map[string]effects.Value{nil, {"agent": effects.String("nobody")}} {
		if _, err := s.Control(ctx, effects.FaultInjectionClearFaults, args); err == nil || !strings.Contains(err.Error(), "agent") {
			t.Errorf("Control of a disk with args %v: %v, want an error naming the agent to give", args, err)
		}
	}
}
