package randomops

import (
	"encoding/binary"
	"math/rand/v2"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/plugins/internal/drawepoch"
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

// EpochStreamKey is the key of the stream of an authority for a seed in a
// draw epoch (plugins/internal/drawepoch): a restarted plugin claims a new
// epoch, so its stream is a new one and never gives a draw of an earlier
// configuration again. Epoch 0 is StreamKey itself; a later epoch adds
// itself to the input, whose length tells the two encodings apart.
func EpochStreamKey(seed uint64, authority sdk.AuthorityID, epoch uint64) [32]byte {
	if epoch == 0 {
		return StreamKey(seed, authority)
	}
	var src [8 + 16 + 8]byte
	binary.BigEndian.PutUint64(src[:8], seed)
	copy(src[8:24], authority[:])
	binary.BigEndian.PutUint64(src[24:], epoch)
	var key [32]byte
	blake3.DeriveKey(key[:], "aura-host plugins/random v1 stream", src[:])
	return key
}

// ClaimStream claims the plugin's next draw epoch for seed and authority
// from its state directory (drawepoch.Claim: recorded durably before any
// draw) and returns the stream of that epoch. plugin names the plugin in
// the error of a configuration without a state directory; mode decides
// whether the record is synced (drawepoch.Claim).
func ClaimStream(plugin, stateDir string, seed uint64, authority sdk.AuthorityID, mode sdk.Mode) (*rand.ChaCha8, error) {
	epoch, err := drawepoch.Claim(plugin, stateDir, drawepoch.HostRun(), seed, authority, mode)
	if err != nil {
		return nil, err
	}
	return rand.NewChaCha8(EpochStreamKey(seed, authority, epoch)), nil
}
