package randomops

import (
	"encoding/binary"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/sdk"
)

// MaxBytes bounds random_bytes: larger requests are invalid_args.
const MaxBytes = 1 << 20

// StreamKey derives the ChaCha8 key of the stream of an authority for a
// seed: the random plugin's in its deterministic modes, and sim-random's in
// every mode. The derivation context names plugins/random, where it was
// first written: changing it would change every seeded value.
func StreamKey(seed uint64, authority sdk.AuthorityID) [32]byte {
	var src [8 + 16]byte
	binary.BigEndian.PutUint64(src[:8], seed)
	copy(src[8:], authority[:])
	var key [32]byte
	blake3.DeriveKey(key[:], "aura-host plugins/random v1 stream", src[:])
	return key
}
