package crypto

import (
	"github.com/aurahost/aura-host/plugins/internal/drawepoch"
	"github.com/aurahost/aura-host/sdk"
)

// The crypto plugin draws its keys and FROST nonces in draw epochs
// (plugins/internal/drawepoch, shared with the random plugins): a plugin
// killed at any point and restarted by its host comes back in a fresh
// epoch, so it never repeats a key or a nonce.

// drawsDir is the subdirectory of the state directory holding the epoch
// records.
const drawsDir = drawepoch.Dir

// hostRun names the current host run (drawepoch.HostRun).
func hostRun() string { return drawepoch.HostRun() }

// claimEpoch claims the crypto plugin's next draw epoch in mode
// (drawepoch.Claim).
func claimEpoch(stateDir, run string, seed uint64, authority sdk.AuthorityID, mode sdk.Mode) (uint64, error) {
	return drawepoch.Claim("crypto", stateDir, run, seed, authority, mode)
}
