package randomops

import (
	"context"
	"encoding/hex"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// Stream is a stream of random values. *rand.ChaCha8 is one; its Read
// never fails, and neither may another's.
type Stream interface {
	Read(b []byte) (int, error)
	Uint64() uint64
}

// Source is where the random operations draw from: Draw runs fn with sole
// use of the stream that serves the call c. The random plugin's source is
// its seeded stream or the OS CSPRNG; sim-random's is the stream of c's
// authority.
type Source interface {
	Draw(c *sdk.Call, fn func(r Stream))
}

// Operations declares the operations of the random family, served from
// src. How each operation consumes its stream — what it reads, in which
// order — is part of the contract of the seeded streams: a test pins it.
func Operations(src Source) []sdk.Operation {
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID:          effects.RandomBytes,
				Doc:         "Returns n random bytes (bytes).",
				Params:      []sdk.Param{{Name: "n", Kind: sdk.KindInt, Doc: "how many bytes, 0 to 1048576"}},
				Result:      sdk.KindBytes,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: func(_ context.Context, c *sdk.Call) (sdk.Value, error) { return randomBytes(src, c) },
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.RandomBytes32,
				Doc:         "Returns 32 random bytes (bytes), e.g. a key or a nonce seed.",
				Result:      sdk.KindBytes,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: func(_ context.Context, c *sdk.Call) (sdk.Value, error) { return randomBytes32(src, c) },
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.RandomU64,
				Doc:         "Returns a uniformly random 64-bit unsigned integer (uint).",
				Result:      sdk.KindUint,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: func(_ context.Context, c *sdk.Call) (sdk.Value, error) { return randomU64(src, c) },
		},
		{
			Spec: sdk.OpSpec{
				ID:  effects.RandomRange,
				Doc: "Returns a uniformly random integer r with min <= r < max (int), without modulo bias.",
				Params: []sdk.Param{
					{Name: "min", Kind: sdk.KindInt, Doc: "the smallest value that may be returned"},
					{Name: "max", Kind: sdk.KindInt, Doc: "one more than the largest value that may be returned; must exceed min"},
				},
				Result:      sdk.KindInt,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: func(_ context.Context, c *sdk.Call) (sdk.Value, error) { return randomRange(src, c) },
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.RandomUUID,
				Doc:         "Returns a random (version 4, RFC 9562) UUID as a lower-case string, e.g. 0b9c2a6e-3f1d-4c8e-9a4b-7d2e1f0c5a3b.",
				Result:      sdk.KindString,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: func(_ context.Context, c *sdk.Call) (sdk.Value, error) { return randomUUID(src, c) },
		},
	}
}

func randomBytes(src Source, c *sdk.Call) (sdk.Value, error) {
	n, _ := c.Arg("n").AsInt()
	if n < 0 || n > MaxBytes {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "n must be between 0 and %d, got %d", MaxBytes, n)
	}
	b := make([]byte, n)
	src.Draw(c, func(r Stream) { r.Read(b) })
	return sdk.Bytes(b), nil
}

func randomBytes32(src Source, c *sdk.Call) (sdk.Value, error) {
	var b [32]byte
	src.Draw(c, func(r Stream) { r.Read(b[:]) })
	return sdk.Bytes(b[:]), nil
}

func randomU64(src Source, c *sdk.Call) (sdk.Value, error) {
	var u uint64
	src.Draw(c, func(r Stream) { u = r.Uint64() })
	return sdk.Uint(u), nil
}

func randomRange(src Source, c *sdk.Call) (sdk.Value, error) {
	lo, _ := c.Arg("min").AsInt()
	hi, _ := c.Arg("max").AsInt()
	if lo >= hi {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "min must be less than max (the range is min <= r < max), got min %d, max %d", lo, hi)
	}
	span := uint64(hi) - uint64(lo) // exact in two's complement, even for the full int64 range
	var off uint64
	src.Draw(c, func(r Stream) { off = below(r, span) })
	return sdk.Int(lo + int64(off)), nil
}

func randomUUID(src Source, c *sdk.Call) (sdk.Value, error) {
	var u [16]byte
	src.Draw(c, func(r Stream) { r.Read(u[:]) })
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // variant 10 (RFC 9562)
	h := hex.EncodeToString(u[:])
	return sdk.String(h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]), nil
}

// below returns a uniform value in [0, n), n > 0, by rejection: draws below
// 2^64 mod n would make the low values likelier, so they are redrawn. The
// algorithm is written out rather than taken from math/rand/v2 so that a
// seeded stream keeps giving the same values across Go releases.
func below(r Stream, n uint64) uint64 {
	threshold := -n % n // 2^64 mod n
	for {
		if x := r.Uint64(); x >= threshold {
			return x % n
		}
	}
}
