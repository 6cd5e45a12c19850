package simrandom

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"sync"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, as a deployment writes it in builtin = "...".
const Name = "sim-random"

// Family is the family of the plugin's operations: the random plugin's.
const Family = "random"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// MaxBytes bounds random_bytes: larger requests are invalid_args.
const MaxBytes = 1 << 20

// streamContext is the BLAKE3 key-derivation context of the streams. It is
// the random plugin's, so that both give the same values for a seed.
const streamContext = "aura-host plugins/random v1 stream"

// New returns the simulation random plugin, ready to Serve.
func New() *sdk.Plugin {
	s := &streams{}
	return &sdk.Plugin{Name: Name, Version: Version, Configure: s.configure, Operations: s.operations()}
}

// StreamKey derives the ChaCha8 key of an authority's stream for a seed.
func StreamKey(seed uint64, authority sdk.AuthorityID) [32]byte {
	var src [8 + 16]byte
	binary.BigEndian.PutUint64(src[:8], seed)
	copy(src[8:], authority[:])
	var key [32]byte
	blake3.DeriveKey(key[:], streamContext, src[:])
	return key
}

// streams holds one seeded stream per authority that has drawn.
type streams struct {
	mu   sync.Mutex
	seed uint64
	by   map[sdk.AuthorityID]*rand.ChaCha8
}

func (s *streams) configure(_ context.Context, c *sdk.Configuration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seed, s.by = c.Seed, map[sdk.AuthorityID]*rand.ChaCha8{}
	return nil
}

// draw runs fn on the stream of the call's authority.
func (s *streams) draw(c *sdk.Call, fn func(r *rand.ChaCha8)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.by == nil {
		s.by = map[sdk.AuthorityID]*rand.ChaCha8{}
	}
	r, ok := s.by[c.Authority]
	if !ok {
		r = rand.NewChaCha8(StreamKey(s.seed, c.Authority))
		s.by[c.Authority] = r
	}
	fn(r)
}

// below returns a uniform value in [0, n), n > 0, by rejection, written
// out (not math/rand/v2's) so that the values stay the same across Go
// releases, and the same as the random plugin's.
func below(r *rand.ChaCha8, n uint64) uint64 {
	threshold := -n % n // 2^64 mod n
	for {
		if x := r.Uint64(); x >= threshold {
			return x % n
		}
	}
}

func (s *streams) operations() []sdk.Operation {
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID:          "random.random_bytes",
				Doc:         "Returns n bytes (bytes) from the authority's seeded stream.",
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
				Doc:         "Returns 32 bytes (bytes) from the authority's seeded stream.",
				Result:      sdk.KindBytes,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.randomBytes32,
		},
		{
			Spec: sdk.OpSpec{
				ID:          "random.random_u64",
				Doc:         "Returns a 64-bit unsigned integer (uint) from the authority's seeded stream.",
				Result:      sdk.KindUint,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.randomU64,
		},
		{
			Spec: sdk.OpSpec{
				ID:  "random.random_range",
				Doc: "Returns an integer r with min <= r < max (int), uniform over the range, without modulo bias.",
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
				Doc:         "Returns a version-4 (RFC 9562) UUID from the authority's seeded stream, as a lower-case string.",
				Result:      sdk.KindString,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.randomUUID,
		},
	}
}

func (s *streams) randomBytes(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	n, _ := c.Arg("n").AsInt()
	if n < 0 || n > MaxBytes {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "n must be between 0 and %d, got %d", MaxBytes, n)
	}
	b := make([]byte, n)
	s.draw(c, func(r *rand.ChaCha8) { r.Read(b) })
	return sdk.Bytes(b), nil
}

func (s *streams) randomBytes32(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	var b [32]byte
	s.draw(c, func(r *rand.ChaCha8) { r.Read(b[:]) })
	return sdk.Bytes(b[:]), nil
}

func (s *streams) randomU64(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	var u uint64
	s.draw(c, func(r *rand.ChaCha8) { u = r.Uint64() })
	return sdk.Uint(u), nil
}

func (s *streams) randomRange(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	lo, _ := c.Arg("min").AsInt()
	hi, _ := c.Arg("max").AsInt()
	if lo >= hi {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "min must be less than max (the range is min <= r < max), got min %d, max %d", lo, hi)
	}
	span := uint64(hi) - uint64(lo) // exact in two's complement, even for the full int64 range
	var off uint64
	s.draw(c, func(r *rand.ChaCha8) { off = below(r, span) })
	return sdk.Int(lo + int64(off)), nil
}

func (s *streams) randomUUID(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	var u [16]byte
	s.draw(c, func(r *rand.ChaCha8) { r.Read(u[:]) })
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // variant 10 (RFC 9562)
	h := hex.EncodeToString(u[:])
	return sdk.String(h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]), nil
}
