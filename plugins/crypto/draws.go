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
// configuration claims the next unused epoch of its (seed, authority) in
// the current host run from a record in the state directory, and durably
// records the one after it before it draws anything (a reservation of the
// whole counter range of the epoch). A plugin killed at any point and
// restarted by its host therefore comes back in a fresh epoch, and no two
// configurations of one run share one, so no two of its draws share their
// input.
//
// A run is one host process: the record names the run it counts for, and
// a configuration under another run starts again at epoch 0. That is what
// keeps a seed reproducible from one run to the next — two
// `aura-host protocol run --seed 7` over the same deployment record the
// same trace — while a restart inside a run never rewinds. The run is
// identified by the host's process ID, which aura-host passes to every
// plugin process it starts (sdk.HostPIDEnv); a plugin started otherwise,
// or run inside the host's process, counts its parent process as the run.
// Both stay the same for the life of a run, which is what safety needs;
// should a later run get the same ID again, it continues the epochs of the
// earlier one (safe, only not a reproduction of it). Epoch 0 derives
// exactly what the plugin drew before epochs existed.

// drawsDir is the subdirectory of the plugin's state directory that holds
// one epoch record per (seed, authority).
const drawsDir = "draws"

// hostRun identifies the current host run (see above).
func hostRun() string {
	if pid, err := strconv.Atoi(os.Getenv(sdk.HostPIDEnv)); err == nil && pid > 0 {
		return "host-pid-" + strconv.Itoa(pid)
	}
	return "parent-pid-" + strconv.Itoa(os.Getppid())
}

// drawRecord is what a record holds: the run it counts for and the next
// unused epoch of that run, one per line.
type drawRecord struct {
	run  string
	next uint64
}

func (r drawRecord) encode() []byte {
	return []byte(r.run + "\n" + strconv.FormatUint(r.next, 10) + "\n")
}

// claimEpoch returns the epoch a configuration for seed and authority in
// run draws in, having durably recorded the next one in stateDir: the
// record is written to a temporary file, synced, renamed over the old one,
// and the directory synced, so after a crash the record holds the new
// value or the old one, and the old one only if the epoch was never used.
// A missing record, or one of another run, is epoch 0; an unreadable or
// corrupt one is an error, never a guess.
func claimEpoch(stateDir, run string, seed uint64, authority sdk.AuthorityID) (uint64, error) {
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
	rec, err := readRecord(path)
	if err != nil {
		return 0, err
	}
	var epoch uint64
	if rec.run == run {
		epoch = rec.next
	}
	if epoch == math.MaxUint64 {
		return 0, drawRecordError("every draw epoch of this seed and authority is used", fmt.Errorf("record %s", path))
	}
	if err := writeSynced(path, drawRecord{run: run, next: epoch + 1}.encode()); err != nil {
		return 0, drawRecordError("cannot record the draw epoch", err)
	}
	return epoch, nil
}

// readRecord reads the record at path; a missing one is the zero record.
func readRecord(path string) (drawRecord, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return drawRecord{}, nil
	}
	if err != nil {
		return drawRecord{}, drawRecordError("cannot read the draw record", err)
	}
	run, next, ok := strings.Cut(string(b), "\n")
	epoch, err := strconv.ParseUint(strings.TrimSuffix(next, "\n"), 10, 64)
	if !ok || run == "" || err != nil || !strings.HasSuffix(next, "\n") {
		return drawRecord{}, drawRecordError("the draw record is corrupt; the plugin will not guess which draws were used",
			fmt.Errorf("%s holds %q", path, b))
	}
	return drawRecord{run: run, next: epoch}, nil
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
