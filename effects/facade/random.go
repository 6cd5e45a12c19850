package facade

import (
	"context"

	"github.com/aurahost/aura-host/effects"
)

// Random is the client of the random family. Production draws from the OS
// CSPRNG; the testing and simulation modes draw from the deployment's seed,
// so a run repeats exactly.
type Random struct{ c caller }

var (
	opRandomBytes   = declare("Random.Bytes", effects.RandomBytes, effects.KindBytes, arg("n", effects.KindInt))
	opRandomBytes32 = declare("Random.Bytes32", effects.RandomBytes32, effects.KindBytes)
	opRandomU64     = declare("Random.Uint64", effects.RandomU64, effects.KindUint)
	opRandomRange   = declare("Random.Range", effects.RandomRange, effects.KindInt, arg("min", effects.KindInt), arg("max", effects.KindInt))
	opRandomUUID    = declare("Random.UUID", effects.RandomUUID, effects.KindString)
)

// Bytes returns n random bytes (0 to 1048576).
func (x *Random) Bytes(ctx context.Context, n int) ([]byte, error) {
	v, err := x.c.invoke(ctx, opRandomBytes, map[string]effects.Value{"n": effects.Int(int64(n))})
	if err != nil {
		return nil, err
	}
	return decodeBytes(opRandomBytes, v, max(n, -1)) // a negative n is the plugin's to refuse
}

// Bytes32 returns 32 random bytes, e.g. a key or a nonce seed.
func (x *Random) Bytes32(ctx context.Context) ([32]byte, error) {
	v, err := x.c.invoke(ctx, opRandomBytes32, nil)
	if err != nil {
		return [32]byte{}, err
	}
	b, err := decodeBytes(opRandomBytes32, v, 32)
	if err != nil {
		return [32]byte{}, err
	}
	return [32]byte(b), nil
}

// Uint64 returns a uniformly random 64-bit unsigned integer.
func (x *Random) Uint64(ctx context.Context) (uint64, error) {
	v, err := x.c.invoke(ctx, opRandomU64, nil)
	if err != nil {
		return 0, err
	}
	return decodeUint(opRandomU64, v)
}

// Range returns a uniformly random r with lo <= r < hi (the operation's
// min and max).
func (x *Random) Range(ctx context.Context, lo, hi int64) (int64, error) {
	v, err := x.c.invoke(ctx, opRandomRange, map[string]effects.Value{"min": effects.Int(lo), "max": effects.Int(hi)})
	if err != nil {
		return 0, err
	}
	r, err := decodeInt(opRandomRange, v)
	if err == nil && (r < lo || r >= hi) {
		return 0, shapeError(opRandomRange.id, "", "an int in [min, max)", valueOrKind(v))
	}
	return r, err
}

// UUID returns a random version 4 UUID as a lower-case string.
func (x *Random) UUID(ctx context.Context) (string, error) {
	v, err := x.c.invoke(ctx, opRandomUUID, nil)
	if err != nil {
		return "", err
	}
	return decodeString(opRandomUUID, v)
}
