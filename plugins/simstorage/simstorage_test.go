package simstorage_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/plugins/simstorage"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

var args = plugintest.Args

func b(s string) sdk.Value { return sdk.Bytes([]byte(s)) }

func key(k string) sdk.Value { return args("key", sdk.String(k)) }

func TestConformance(t *testing.T) {
	t.Parallel()
	sdktest.Conformance(t, simstorage.New(),
		sdktest.WithSample(effects.StorageStore, args("key", sdk.String("k"), "value", b("v"))),
		sdktest.WithSample(effects.StorageRetrieve, args("key", sdk.String("k"))),
		sdktest.WithSample(effects.StorageRemove, args("key", sdk.String("k"))),
		sdktest.WithSample(effects.StorageExists, args("key", sdk.String("k"))),
	)
}

func TestStats(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, simstorage.New(), sdktest.WithConfig(args("path", sdk.String("ignored.db"))))
	if _, err := h.Invoke(context.Background(), effects.StorageStoreBatch, args("entries", sdk.Map(map[string]sdk.Value{"ab": b("123"), "c": b("")}))); err != nil {
		t.Fatal(err)
	}
	got, err := h.Invoke(context.Background(), effects.StorageStats, sdk.Null())
	want := args("keys", sdk.Int(2), "bytes", sdk.Int(6), "file_bytes", sdk.Int(0), "path", sdk.String(""))
	if err != nil || !got.Equal(want) {
		t.Fatalf("stats = %v, %v; want %v", got, err, want)
	}
}

// failures stores n keys at a failure rate and returns which calls failed.
func failures(t *testing.T, seed uint64, perMille int64, n int) []bool {
	h := sdktest.New(t, simstorage.New(), sdktest.WithMode(sdk.Simulation, seed), sdktest.WithAuthority(effects.DeriveAuthorityID("a", seed)))
	if _, err := h.Invoke(context.Background(), effects.FaultInjectionInjectStorageFailure, args("per_mille", sdk.Int(perMille))); err != nil {
		t.Fatal(err)
	}
	out := make([]bool, n)
	for i := range out {
		_, err := h.Invoke(context.Background(), effects.StorageStore, args("key", sdk.String("k"), "value", b("v")))
		var e *effects.Error
		switch {
		case err == nil:
		case errors.As(err, &e) && e.Code == sdk.CodeUnavailable && e.Retryable && strings.Contains(e.Message, "injected storage failure"):
			out[i] = true
		default:
			t.Fatalf("call %d: %v", i, err)
		}
	}
	return out
}

func count(bs []bool) (n int) {
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

func TestInjectedFailuresAreSeeded(t *testing.T) {
	t.Parallel()
	a, again := failures(t, 7, 300, 1000), failures(t, 7, 300, 1000)
	if !slices.Equal(a, again) {
		t.Fatal("the same seed failed different calls")
	}
	if other := failures(t, 8, 300, 1000); slices.Equal(a, other) {
		t.Fatal("another seed failed the same calls")
	}
	// Seeded, so this count is the same on every run: the bounds only
	// check that per_mille means what it says.
	if n := count(a); n < 250 || n > 350 {
		t.Fatalf("%d of 1000 calls failed at 300 per mille", n)
	}
	if n := count(failures(t, 7, 1000, 50)); n != 50 {
		t.Fatalf("%d of 50 calls failed at 1000 per mille", n)
	}
	if n := count(failures(t, 7, 0, 50)); n != 0 {
		t.Fatalf("%d of 50 calls failed at 0 per mille", n)
	}
}

func TestFailedCallsChangeNothing(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, simstorage.New())
	ctx := context.Background()
	invoke := func(op sdk.OpID, a sdk.Value) (sdk.Value, error) { return h.Invoke(ctx, op, a) }
	if _, err := invoke(effects.StorageStore, args("key", sdk.String("k"), "value", b("old"))); err != nil {
		t.Fatal(err)
	}
	if _, err := invoke(effects.FaultInjectionInjectStorageFailure, args("per_mille", sdk.Int(1000))); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		op sdk.OpID
		a  sdk.Value
	}{
		{effects.StorageStore, args("key", sdk.String("k"), "value", b("new"))},
		{effects.StorageRemove, key("k")},
		{effects.StorageClearAll, sdk.Null()},
		{effects.StorageRetrieve, key("k")},
		{effects.StorageListKeys, sdk.Null()},
	} {
		if _, err := invoke(c.op, c.a); !errors.Is(err, effects.ErrUnavailable) {
			t.Fatalf("%s at 1000 per mille: %v, want unavailable", c.op, err)
		}
	}
	stats, err := invoke(effects.FaultInjectionStorageFaults, sdk.Null())
	if want := args("per_mille", sdk.Int(1000), "injected", sdk.Int(5)); err != nil || !stats.Equal(want) {
		t.Fatalf("storage_faults = %v, %v; want %v", stats, err, want)
	}
	if _, err := invoke(effects.FaultInjectionClearFaults, sdk.Null()); err != nil {
		t.Fatal(err)
	}
	if v, err := invoke(effects.StorageRetrieve, key("k")); err != nil || !v.Equal(b("old")) {
		t.Fatalf("after the failures: %v, %v; want the old value", v, err)
	}
	for _, pm := range []int64{-1, 1001} {
		if _, err := invoke(effects.FaultInjectionInjectStorageFailure, args("per_mille", sdk.Int(pm))); !errors.Is(err, effects.ErrInvalidArgs) {
			t.Errorf("per_mille %d: %v, want invalid_args", pm, err)
		}
	}
}

// TestSharedInstanceKeepsAuthoritiesApart calls one instance for two
// authorities, as a host sharing it between agents does.
func TestSharedInstanceKeepsAuthoritiesApart(t *testing.T) {
	t.Parallel()
	p := simstorage.New()
	if err := p.Configure(context.Background(), &sdk.Configuration{Values: sdk.Map(nil)}); err != nil {
		t.Fatal(err)
	}
	handle := map[sdk.OpID]func(context.Context, *sdk.Call) (sdk.Value, error){}
	for _, op := range p.Operations {
		handle[op.Spec.ID] = op.Handle
	}
	alice, bob := effects.DeriveAuthorityID("alice", 0), effects.DeriveAuthorityID("bob", 0)
	call := func(a sdk.AuthorityID, op sdk.OpID, args sdk.Value) (sdk.Value, error) {
		return handle[op](context.Background(), &sdk.Call{Op: op, Args: args, Authority: a})
	}
	if _, err := call(alice, effects.StorageStore, args("key", sdk.String("k"), "value", b("alice's"))); err != nil {
		t.Fatal(err)
	}
	if _, err := call(bob, effects.StorageRetrieve, key("k")); !errors.Is(err, effects.ErrNotFound) {
		t.Fatalf("bob read alice's key: %v", err)
	}
	if v, err := call(alice, effects.StorageRetrieve, key("k")); err != nil || !v.Equal(b("alice's")) {
		t.Fatalf("alice's value: %v, %v", v, err)
	}
	if n, err := call(bob, effects.StorageClearAll, sdk.Null()); err != nil || !n.Equal(sdk.Int(0)) {
		t.Fatalf("bob's clear_all: %v, %v", n, err)
	}
}

// handlers configures p for authority with seed and returns a function
// calling its operations as a call acting for an authority (none: the
// simulator) reaches them once the SDK has filled it in.
func handlers(t *testing.T, p *sdk.Plugin, seed uint64, authority sdk.AuthorityID) func(sdk.AuthorityID, sdk.OpID, sdk.Value) (sdk.Value, error) {
	t.Helper()
	if err := p.Configure(context.Background(), &sdk.Configuration{Values: sdk.Map(nil), Mode: sdk.Simulation, Seed: seed, Authority: authority}); err != nil {
		t.Fatal(err)
	}
	handle := map[sdk.OpID]func(context.Context, *sdk.Call) (sdk.Value, error){}
	for _, op := range p.Operations {
		handle[op.Spec.ID] = op.Handle
	}
	return func(a sdk.AuthorityID, op sdk.OpID, args sdk.Value) (sdk.Value, error) {
		return handle[op](context.Background(), &sdk.Call{Op: op, Args: args, Authority: a})
	}
}

// The disk's faults are its owner's (simcontrol). On an instance
// configured for no authority — each agent's disk in host/sim, or one a
// host shares between its agents — an agent storing on it cannot fail,
// clear or read its faults (denied), and nothing changes; the simulator,
// calling with no authority, can. An instance configured for an agent is
// that agent's whole disk, and the agent may.
func TestOnlyTheDisksOwnerInjectsFaults(t *testing.T) {
	t.Parallel()
	var none sdk.AuthorityID
	alice := effects.DeriveAuthorityID("alice", 0)
	faultOps := []struct {
		op   sdk.OpID
		args sdk.Value
	}{
		{effects.FaultInjectionInjectStorageFailure, args("per_mille", sdk.Int(1000))},
		{effects.FaultInjectionClearFaults, sdk.Null()},
		{effects.FaultInjectionStorageFaults, sdk.Null()},
	}
	call := handlers(t, simstorage.New(), 1, none)
	for _, c := range faultOps {
		_, err := call(alice, c.op, c.args)
		if !errors.Is(err, effects.ErrDenied) || !strings.Contains(err.Error(), "is the simulator's") {
			t.Errorf("alice calling %s on a disk configured for none: %v, want denied", c.op, err)
		}
	}
	if _, err := call(alice, effects.StorageStore, args("key", sdk.String("k"), "value", b("v"))); err != nil {
		t.Fatalf("alice's store after her attempts: %v, want no failure injected", err)
	}
	if _, err := call(none, effects.FaultInjectionInjectStorageFailure, args("per_mille", sdk.Int(1000))); err != nil {
		t.Fatalf("the simulator failing the disk: %v", err)
	}
	if _, err := call(alice, effects.StorageRetrieve, key("k")); !errors.Is(err, effects.ErrUnavailable) {
		t.Fatalf("alice's retrieve with the simulator failing the disk: %v, want unavailable", err)
	}
	stats, err := call(none, effects.FaultInjectionStorageFaults, sdk.Null())
	if want := args("per_mille", sdk.Int(1000), "injected", sdk.Int(1)); err != nil || !stats.Equal(want) {
		t.Fatalf("storage_faults = %v, %v; want %v", stats, err, want)
	}
	own := handlers(t, simstorage.New(), 1, alice)
	for _, c := range faultOps {
		if _, err := own(alice, c.op, c.args); err != nil {
			t.Errorf("alice calling %s on her own disk: %v", c.op, err)
		}
	}
}

// An agent's calls draw the same failures on a disk configured for it as
// on one configured for none (host/sim's), so configuring the disk for the
// simulator changes no seed's bundle.
func TestFailuresAreTheAuthoritysWhoeverTheDiskIsConfiguredFor(t *testing.T) {
	t.Parallel()
	var none sdk.AuthorityID
	alice, bob := effects.DeriveAuthorityID("alice", 0), effects.DeriveAuthorityID("bob", 0)
	draw := func(call func(sdk.AuthorityID, sdk.OpID, sdk.Value) (sdk.Value, error), ctl, who sdk.AuthorityID) []bool {
		t.Helper()
		if _, err := call(ctl, effects.FaultInjectionInjectStorageFailure, args("per_mille", sdk.Int(500))); err != nil {
			t.Fatal(err)
		}
		out := make([]bool, 200)
		for i := range out {
			_, err := call(who, effects.StorageExists, key("k"))
			out[i] = errors.Is(err, effects.ErrUnavailable)
		}
		return out
	}
	own := draw(handlers(t, simstorage.New(), 9, alice), alice, alice)
	shared := handlers(t, simstorage.New(), 9, none)
	if got := draw(shared, none, alice); !slices.Equal(got, own) {
		t.Error("alice's calls failed differently on a disk configured for none than on her own")
	}
	if got := draw(handlers(t, simstorage.New(), 9, none), none, bob); slices.Equal(got, own) {
		t.Error("bob's calls failed as alice's: the stream ignores the calling authority")
	}
}
