package simstorage

import (
	"context"
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"sync"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/simcontrol"
	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, as a deployment writes it in builtin = "...".
const Name = "sim-storage"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// The families of the plugin's operations.
const (
	FamilyStorage        = "storage"
	FamilyFaultInjection = "fault_injection"
)

// New returns the simulation storage plugin, ready to Serve. The disk is
// the instance's own: its fault injection answers the authority it is
// configured for, or only calls with none when it is configured for none
// (simcontrol) — as host/sim configures each agent's disk, so that the
// simulator, not the agent, fails it.
func New() *sdk.Plugin {
	s := &store{data: map[sdk.AuthorityID]map[string][]byte{}, control: simcontrol.NewOwner(true)}
	return &sdk.Plugin{
		Name:    Name,
		Version: Version,
		Config: []sdk.ConfigField{{
			Name: "path",
			Kind: sdk.KindString,
			Doc: "Accepted so that a storage plugin's config block works unchanged, and ignored: sim-storage " +
				"keeps its data in memory.",
		}},
		Configure:  s.configure,
		Operations: append(s.storageOperations(), s.control.Guard(s.faultOperations())...),
	}
}

// store is one plugin instance: the data and the fault settings. The data
// and the fault stream are kept apart per authority: an instance
// configured for an authority holds one of each, and one shared between a
// host's agents (configured for none) one per agent, as if each had its
// own storage plugin — so an agent's disk draws the same failures whether
// its instance is configured for it or for none.
type store struct {
	// control is who may call fault_injection.*: the disk's owner, not an
	// agent storing on it (simcontrol).
	control *simcontrol.Owner

	mu         sync.Mutex
	data       map[sdk.AuthorityID]map[string][]byte
	perMille   int64 // chance of an injected failure per call, in thousandths
	configured bool  // seed is set: no failure is injected before
	seed       uint64
	faults     map[sdk.AuthorityID]*rand.ChaCha8 // decide injected failures, per authority; made on first use
	injected   int64                             // failures injected so far
}

// faultKey derives the key of the fault stream from the seed and authority.
func faultKey(seed uint64, authority sdk.AuthorityID) [32]byte {
	var src [8 + 16]byte
	binary.BigEndian.PutUint64(src[:8], seed)
	copy(src[8:], authority[:])
	var key [32]byte
	blake3.DeriveKey(key[:], "aura-host plugins/sim-storage v1 faults", src[:])
	return key
}

func (s *store) configure(_ context.Context, c *sdk.Configuration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.configured, s.seed, s.faults = true, c.Seed, map[sdk.AuthorityID]*rand.ChaCha8{}
	s.control.Configured(c.Authority)
	return nil
}

// faultStream is the stream deciding the injected failures of authority's
// calls. The caller holds s.mu.
func (s *store) faultStream(authority sdk.AuthorityID) *rand.ChaCha8 {
	r, ok := s.faults[authority]
	if !ok {
		r = rand.NewChaCha8(faultKey(s.seed, authority))
		s.faults[authority] = r
	}
	return r
}

// do runs fn on the data of the call's authority under the lock, unless an
// injected failure is drawn for this call: then nothing changes and the
// error is unavailable.
func (s *store) do(ctx context.Context, c *sdk.Call, fn func(data map[string][]byte) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perMille > 0 && s.configured {
		// One draw per call, mapped onto [0, 1000) by a multiply-shift: a
		// fixed number of draws keeps later decisions where they were.
		if hi, _ := bits.Mul64(s.faultStream(c.Authority).Uint64(), 1000); int64(hi) < s.perMille {
			s.injected++
			return sdk.Errorf(sdk.CodeUnavailable, "injected storage failure (fault_injection.inject_storage_failure at %d per mille)", s.perMille)
		}
	}
	data, ok := s.data[c.Authority]
	if !ok {
		data = map[string][]byte{}
		s.data[c.Authority] = data
	}
	return fn(data)
}

// faultOperations fail the disk on purpose: its owner's to call
// (simcontrol), so New guards them — an agent in a simulation failing its
// own disk would test nothing, and would count as a storage failure in a
// sweep's coverage.
func (s *store) faultOperations() []sdk.Operation {
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: effects.FaultInjectionInjectStorageFailure,
				Doc: "Makes each following storage call fail with a retryable unavailable error, changing nothing, " +
					"with a chance of per_mille in 1000, decided by a stream seeded from the seed and the calling authority. " +
					"0 stops injecting. Returns null.",
				Params: []sdk.Param{{Name: "per_mille", Kind: sdk.KindInt,
					Doc: "the chance of failure per call in thousandths, 0 (never) to 1000 (always)"}},
				Result:      sdk.KindNull,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: s.injectFailure,
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.FaultInjectionClearFaults,
				Doc:         "Stops injecting storage failures. Returns null.",
				Result:      sdk.KindNull,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: s.clearFaults,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.FaultInjectionStorageFaults,
				Doc: "Describes fault injection: a map {per_mille: int (the current failure chance), injected: int " +
					"(storage calls failed on purpose so far)}.",
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.storageFaults,
		},
	}
}

func (s *store) injectFailure(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	pm, _ := c.Arg("per_mille").AsInt()
	if pm < 0 || pm > 1000 {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "per_mille must be between 0 and 1000, got %d", pm)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.perMille = pm
	return sdk.Null(), nil
}

func (s *store) clearFaults(_ context.Context, _ *sdk.Call) (sdk.Value, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.perMille = 0
	return sdk.Null(), nil
}

func (s *store) storageFaults(_ context.Context, _ *sdk.Call) (sdk.Value, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sdk.Map(map[string]sdk.Value{"per_mille": sdk.Int(s.perMille), "injected": sdk.Int(s.injected)}), nil
}
