package crypto

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aurahost/aura-host/sdk"
)

// Draw epochs: how the testing and simulation modes stay reproducible
// without repeating a draw after a restart.
//
// A deterministic draw is BLAKE3 over (seed, authority, epoch, counter).
// The counter restarts with each configuration; the epoch does not: every
// configuration claims the next unused epoch of its (seed, authority) from
// a record in the state directory, and durably records the one after it
// before it draws anything (a reservation of the whole counter range of
// the epoch). A plugin killed at any point therefore comes back in a fresh
// epoch, and no two configurations share one, so no two draws share their
// input. The first configuration on a fresh state directory draws in
// epoch 0, which derives exactly what the plugin drew before epochs
// existed; a run repeats exactly as long as it starts from an equal state
// directory and the same restarts happen.

// drawsDir is the subdirectory of the plugin's state directory that holds
// one epoch record per (seed, authority).
const drawsDir = "draws"

// claimEpoch returns the epoch a configuration for seed and authority
// draws in, having durably recorded the next one in stateDir: the record
// is written to a temporary file, synced, renamed over the old one, and
// the directory synced, so after a crash the record holds the new value
// or the old one, and the old one only if the epoch was never used. A
// missing record is epoch 0; an unreadable one is an error, never a guess.
func claimEpoch(stateDir string, seed uint64, authority sdk.AuthorityID) (uint64, error) {
	if stateDir == "" {
		return 0, &sdk.ConfigError{Summary: "no state directory for seeded randomness",
			Detail: "in the testing and simulation modes the crypto plugin records in its state directory which " +
				"draws it has used, so that a restarted plugin never repeats a key or a FROST nonce; the host " +
				"gives every plugin one, and a harness that configures the plugin itself must set StateDir"}
	}
	dir := filepath.Join(stateDir, drawsDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, drawRecordError("cannot create the draw record directory", err)
	}
	path := filepath.Join(dir, fmt.Sprintf("seed-%d-authority-%x", seed, authority[:]))
	epoch, err := readEpoch(path)
	if err != nil {
		return 0, err
	}
	if epoch == math.MaxUint64 {
		return 0, drawRecordError("every draw epoch of this seed and authority is used", fmt.Errorf("record %s", path))
	}
	if err := writeSynced(path, []byte(strconv.FormatUint(epoch+1, 10)+"\n")); err != nil {
		return 0, drawRecordError("cannot record the draw epoch", err)
	}
	return epoch, nil
}

// readEpoch reads the next unused epoch from the record at path.
func readEpoch(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, drawRecordError("cannot read the draw record", err)
	}
	epoch, err := strconv.ParseUint(strings.TrimSuffix(string(b), "\n"), 10, 64)
	if err != nil {
		return 0, drawRecordError("the draw record is corrupt; the plugin will not guess which draws were used",
			fmt.Errorf("%s holds %q", path, b))
	}
	return epoch, nil
}

func drawRecordError(summary string, err error) error {
	return &sdk.ConfigError{Summary: summary, Detail: err.Error()}
}

// writeSynced replaces the file at path with data, durably: a temporary
// file beside it is written and synced, then renamed over path, and the
// directory is synced so that the rename survives a crash. (The plugin
// may not import internal/atomicfile, which does not sync.)
func writeSynced(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
