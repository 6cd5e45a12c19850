package plugins_test

// The tests of a simulation plugin against the plugin it stands in for.
// They live here, in the catalogue that imports every plugin, because a
// plugin's own tests may not import another plugin (internal/archtest):
// what the two share is declared once under plugins/internal/, and these
// tests check that the plugins built from it still agree.

import (
	"slices"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/plugins/random"
	"github.com/aurahost/aura-host/plugins/simrandom"
	"github.com/aurahost/aura-host/plugins/simstorage"
	"github.com/aurahost/aura-host/plugins/storage"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

// TestSimulationPluginsStandIn checks that each simulation plugin (and the
// production transport that sim-network stands in for) serves every
// operation of the plugin it replaces in the families they share, with the
// same parameters and result, so that swapping one for the other in HCL
// breaks no caller of those families.
func TestSimulationPluginsStandIn(t *testing.T) {
	t.Parallel()
	for sim, real := range map[string]string{
		"sim-clock":   "clock",
		"sim-random":  "random",
		"sim-storage": "storage",
		"sim-network": "transport",
	} {
		t.Run(sim, func(t *testing.T) {
			newSim, ok1 := plugins.Lookup(sim)
			newReal, ok2 := plugins.Lookup(real)
			if !ok1 || !ok2 {
				t.Fatalf("%s or %s is not in the catalogue", sim, real)
			}
			served := map[string]string{}
			for _, op := range newSim().Descriptor().Ops {
				served[string(op.ID)] = op.Signature()
			}
			for _, op := range newReal().Descriptor().Ops {
				// A plugin's own control family (transport's discovery, as
				// sim-network's network_faults) is not the stand-in's to serve:
				// callers of it know which plugin they run on.
				if !slices.Contains(plugins.Families(sim), op.ID.Family()) {
					continue
				}
				got, ok := served[string(op.ID)]
				if !ok {
					t.Errorf("%s does not serve %s", sim, op.ID)
					continue
				}
				// Signatures differ only in determinism and idempotence
				// markers, which a swap may change.
				trim := func(sig string) string { sig, _, _ = strings.Cut(sig, " ["); return sig }
				if trim(got) != trim(op.Signature()) {
					t.Errorf("%s serves %s, %s serves %s", sim, got, real, op.Signature())
				}
			}
		})
	}
}

// TestSimulationPluginsAcceptTheConfig: a deployment swaps a simulation
// plugin in for the plugin it stands in for, config block and all.
// (Moved from simclock.TestAcceptsTheClockPluginsConfig and
// simstorage.TestAcceptsTheStoragePluginsConfig.)
func TestSimulationPluginsAcceptTheConfig(t *testing.T) {
	t.Parallel()
	for sim, real := range map[string]string{
		"sim-clock":   "clock",
		"sim-storage": "storage",
	} {
		t.Run(sim, func(t *testing.T) {
			newSim, ok1 := plugins.Lookup(sim)
			newReal, ok2 := plugins.Lookup(real)
			if !ok1 || !ok2 {
				t.Fatalf("%s or %s is not in the catalogue", sim, real)
			}
			accepted := newSim().Config
			for _, f := range newReal().Config {
				if !slices.ContainsFunc(accepted, func(g sdk.ConfigField) bool { return g.Name == f.Name && g.Kind == f.Kind }) {
					t.Errorf("%s does not accept the %s config attribute %s", sim, real, f.Name)
				}
			}
		})
	}
}

// randomSequence draws one of everything from p, in a fixed order.
func randomSequence(t *testing.T, p *sdk.Plugin, opts ...sdktest.Option) []sdk.Value {
	h := sdktest.New(t, p, opts...)
	return []sdk.Value{
		plugintest.Must(t, h, effects.RandomU64, sdk.Null()),
		plugintest.Must(t, h, effects.RandomBytes, plugintest.Args("n", sdk.Int(5))),
		plugintest.Must(t, h, effects.RandomBytes32, sdk.Null()),
		plugintest.Must(t, h, effects.RandomRange, plugintest.Args("min", sdk.Int(-100), "max", sdk.Int(100))),
		plugintest.Must(t, h, effects.RandomUUID, sdk.Null()),
		plugintest.Must(t, h, effects.RandomU64, sdk.Null()),
	}
}

// TestSimRandomGivesTheRandomPluginsSeededValues: swapping sim-random in
// for random in a seeded deployment changes no value, so traces stay
// equal. (Moved from simrandom.TestSameValuesAsTheRandomPluginsSeededModes.)
func TestSimRandomGivesTheRandomPluginsSeededValues(t *testing.T) {
	t.Parallel()
	alice := effects.DeriveAuthorityID("alice", 1)
	for _, seed := range []uint64{0, 1, 42} {
		want := randomSequence(t, random.New(), sdktest.WithMode(sdk.Simulation, seed), sdktest.WithAuthority(alice))
		got := randomSequence(t, simrandom.New(), sdktest.WithMode(sdk.Simulation, seed), sdktest.WithAuthority(alice))
		if !slices.EqualFunc(got, want, sdk.Value.Equal) {
			t.Fatalf("seed %d: sim-random gave\n%v\nrandom gave\n%v", seed, got, want)
		}
	}
}

// TestSimStorageBehavesAsTheStoragePlugin runs the same calls against
// sim-storage and the real storage plugin and checks each answers as
// expected — the same values and the same error codes and messages.
// (Moved from simstorage.TestBehavesAsTheStoragePlugin.)
func TestSimStorageBehavesAsTheStoragePlugin(t *testing.T) {
	t.Parallel()
	args, strs := plugintest.Args, plugintest.Strs
	b := func(s string) sdk.Value { return sdk.Bytes([]byte(s)) }
	key := func(k string) sdk.Value { return args("key", sdk.String(k)) }
	long := strings.Repeat("k", storage.MaxKeySize+1)
	steps := []plugintest.Step{
		{Op: effects.StorageStore, Args: args("key", sdk.String("a"), "value", b("1")), Want: sdk.Null()},
		{Op: effects.StorageRetrieve, Args: key("a"), Want: b("1")},
		{Op: effects.StorageStore, Args: args("key", sdk.String("a"), "value", b("2")), Want: sdk.Null()},
		{Op: effects.StorageRetrieve, Args: key("a"), Want: b("2")},
		{Op: effects.StorageRetrieve, Args: key("nope"), Code: sdk.CodeNotFound},
		{Op: effects.StorageExists, Args: key("nope"), Want: sdk.Bool(false)},
		{Op: effects.StorageRemove, Args: key("nope"), Want: sdk.Bool(false)},
		{Op: effects.StorageStore, Args: args("key", sdk.String("e"), "value", sdk.Bytes(nil)), Want: sdk.Null()},
		{Op: effects.StorageExists, Args: key("e"), Want: sdk.Bool(true)},
		{Op: effects.StorageRetrieve, Args: key("e"), Want: sdk.Bytes(nil)},
		{Op: effects.StorageRemove, Args: key("e"), Want: sdk.Bool(true)},
		{Op: effects.StorageStoreBatch, Args: args("entries", sdk.Map(map[string]sdk.Value{
			"user/b": b("2"), "user/a": b("1"), "users": b("3"), "use": b("4"), "other": b("5"), "user/Z": b("6"),
		})), Want: sdk.Null()},
		{Op: effects.StorageListKeys, Args: args("prefix", sdk.String("user/")), Want: strs("user/Z", "user/a", "user/b")},
		{Op: effects.StorageListKeys, Args: sdk.Null(), Want: strs("a", "other", "use", "user/Z", "user/a", "user/b", "users")},
		{Op: effects.StorageListKeys, Args: args("prefix", sdk.String("zz")), Want: strs()},
		{Op: effects.StorageRetrieveBatch, Args: args("keys", strs("a", "missing", "use")), Want: sdk.Map(map[string]sdk.Value{"a": b("2"), "use": b("4")})},
		{Op: effects.StorageStoreBatch, Args: args("entries", sdk.Map(map[string]sdk.Value{"a": b("3"), "z": sdk.String("no")})), Code: sdk.CodeInvalidArgs},
		{Op: effects.StorageRetrieve, Args: key("a"), Want: b("2")},
		{Op: effects.StorageRetrieveBatch, Args: args("keys", sdk.List(sdk.String("x"), sdk.Int(1))), Code: sdk.CodeInvalidArgs},
		{Op: effects.StorageStore, Args: args("key", sdk.String(""), "value", b("1")), Code: sdk.CodeInvalidArgs},
		{Op: effects.StorageStore, Args: args("key", sdk.String(long), "value", b("1")), Code: sdk.CodeInvalidArgs},
		{Op: effects.StorageClearAll, Args: sdk.Null(), Want: sdk.Int(7)},
		{Op: effects.StorageClearAll, Args: sdk.Null(), Want: sdk.Int(0)},
		{Op: effects.StorageListKeys, Args: sdk.Null(), Want: strs()},
	}
	for name, p := range map[string]*sdk.Plugin{"sim-storage": simstorage.New(), "storage": storage.New()} {
		t.Run(name, func(t *testing.T) {
			plugintest.Run(t, sdktest.New(t, p), steps)
		})
	}
}
