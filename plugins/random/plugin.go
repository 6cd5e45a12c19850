package random

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"sync"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, and the family of its operations.
const Name = "random"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// MaxBytes bounds random_bytes: larger requests are invalid_args.
const MaxBytes = 1 << 20

// New returns the random plugin, ready to Serve.
func New() *sdk.Plugin {
	r := &source{}
	return &sdk.Plugin{Name: Name, Version: Version, Configure: r.configure, Operations: r.operations()}
}

// source is where one instance's randomness comes from: the OS CSPRNG, or
// a seeded ChaCha8 stream in the deterministic modes.
type source struct {
	mu     sync.Mutex
	seeded *rand.ChaCha8 // nil in production
}

func (s *source) configure(_ context.Context, c *sdk.Configuration) error {
	var stream *rand.ChaCha8
	if c.Mode.Deterministic() {
		stream = rand.NewChaCha8(streamKey(c.Seed, c.Authority))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seeded = stream
	return nil
}

// streamKey derives the ChaCha8 key of the deterministic modes.
func streamKey(seed uint64, authority sdk.AuthorityID) [32]byte {
	var src [8 + 16]byte
	binary.BigEndian.PutUint64(src[:8], seed)
	copy(src[8:], authority[:])
	var key [32]byte
	blake3.DeriveKey(key[:], "aura-host plugins/random v1 stream", src[:])
	return key
}

// read fills b. The lock also serialises production draws; crypto/rand is
// fast enough that this does not matter, and one code path is simpler.
func (s *source) read(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seeded != nil {
		s.seeded.Read(b)
		return
	}
	crand.Read(b) // never fails: Go aborts the process if the OS CSPRNG does
}

func (s *source) uint64() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seeded != nil {
		return s.seeded.Uint64()
	}
	var b [8]byte
	crand.Read(b[:])
	return binary.BigEndian.Uint64(b[:])
}

// below returns a uniform value in [0, n), n > 0, by rejection: draws below
// 2^64 mod n would make the low values likelier, so they are redrawn. The
// algorithm is written out rather than taken from math/rand/v2 so that a
// seeded stream keeps giving the same values across Go releases.
func (s *source) below(n uint64) uint64 {
	threshold := -n % n // 2^64 mod n
	for {
		if r := s.uint64(); r >= threshold {
			return r % n
		}
	}
}

func (s *source) operations() []sdk.Operation {
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID:          "random.random_bytes",
				Doc:         "Returns n random bytes (bytes).",
				Params:      []sdk.Param{{Name: "n", Kind: sdk.KindInt, Doc: "how many bytes, 0 to 1048576"}},
				Result:      sdk.KindBytes,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.randomBytes,
		},
		{
			Spec: sdk.OpSpec{
				ID:          "random.random_bytes_32",
				Doc:         "Returns 32 random bytes (bytes), e.g. a key or a nonce seed.",
				Result:      sdk.KindBytes,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.randomBytes32,
		},
		{
			Spec: sdk.OpSpec{
				ID:          "random.random_u64",
				Doc:         "Returns a uniformly random 64-bit unsigned integer (uint).",
				Result:      sdk.KindUint,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.randomU64,
		},
		{
			Spec: sdk.OpSpec{
				ID:  "random.random_range",
				Doc: "Returns a uniformly random integer r with min <= r < max (int), without modulo bias.",
				Params: []sdk.Param{
					{Name: "min", Kind: sdk.KindInt, Doc: "the smallest value that may be returned"},
					{Name: "max", Kind: sdk.KindInt, Doc: "one more than the largest value that may be returned; must exceed min"},
				},
				Result:      sdk.KindInt,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.randomRange,
		},
		{
			Spec: sdk.OpSpec{
				ID:          "random.random_uuid",
				Doc:         "Returns a random (version 4, RFC 9562) UUID as a lower-case string, e.g. 0b9c2a6e-3f1d-4c8e-9a4b-7d2e1f0c5a3b.",
				Result:      sdk.KindString,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.randomUUID,
		},
	}
}

func (s *source) randomBytes(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	n, _ := c.Arg("n").AsInt()
	if n < 0 || n > MaxBytes {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "n must be between 0 and %d, got %d", MaxBytes, n)
	}
	b := make([]byte, n)
	s.read(b)
	return sdk.Bytes(b), nil
}

func (s *source) randomBytes32(_ context.Context, _ *sdk.Call) (sdk.Value, error) {
	var b [32]byte
	s.read(b[:])
	return sdk.Bytes(b[:]), nil
}

func (s *source) randomU64(_ context.Context, _ *sdk.Call) (sdk.Value, error) {
	return sdk.Uint(s.uint64()), nil
}

func (s *source) randomRange(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	lo, _ := c.Arg("min").AsInt()
	hi, _ := c.Arg("max").AsInt()
	if lo >= hi {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "min must be less than max (the range is min <= r < max), got min %d, max %d", lo, hi)
	}
	span := uint64(hi) - uint64(lo) // exact in two's complement, even for the full int64 range
	return sdk.Int(lo + int64(s.below(span))), nil
}

func (s *source) randomUUID(_ context.Context, _ *sdk.Call) (sdk.Value, error) {
	var u [16]byte
	s.read(u[:])
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // variant 10 (RFC 9562)
	h := hex.EncodeToString(u[:])
	return sdk.String(h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]), nil
}
