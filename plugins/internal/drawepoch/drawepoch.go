// Package drawepoch is the draw epochs of the plugins that draw seeded
// randomness (crypto, random, sim-random): how the testing and simulation
// modes stay reproducible without repeating a draw after a restart.
//
// It imports only sdk from the project. The invariant a newcomer must not
// break: an epoch is recorded as used, durably, before anything is drawn
// in it.
package drawepoch

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

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
// A run is one host process, and each run keeps its own record
// (draws/seed-S-authority-A/RUN, holding the run's next epoch): a run
// without one starts at epoch 0. That is what keeps a seed reproducible
// from one run to the next — two `aura-host protocol run --seed 7` over
// the same deployment record the same trace — while a restart inside a run
// never rewinds, whatever other runs over the same directory do meanwhile
// (each writes only its own record). The run is named by the host's
// process ID (HostRun); it stays the same for the life of the run, which
// is what safety needs. Should a later run get the ID of an earlier one
// whose record is still there, it continues that record (safe, only not a
// reproduction); records of runs whose process is gone are removed. Epoch
// 0 derives exactly what the plugin drew before epochs existed.

// Dir is the subdirectory of the plugin's state directory that holds
// the epoch records, a directory per (seed, authority), a file per run.
const Dir = "draws"

// HostRun names the current host run by the host's process ID: the one
// aura-host passes to every plugin process it starts (sdk.HostPIDEnv);
// else, in a plugin process another host started (go-plugin's handshake
// cookie is set), the parent process; else the plugin runs in its host's
// process, whose own ID it is.
func HostRun() string {
	if pid, err := strconv.Atoi(os.Getenv(sdk.HostPIDEnv)); err == nil && pid > 0 {
		return "host-" + strconv.Itoa(pid)
	}
	if os.Getenv(sdk.Handshake.MagicCookieKey) == sdk.Handshake.MagicCookieValue {
		return "parent-" + strconv.Itoa(os.Getppid())
	}
	return "self-" + strconv.Itoa(os.Getpid())
}

// Claim returns the epoch a configuration of plugin for seed and
// authority in run draws in, having durably recorded the next one in the run's record
// under stateDir: the record is written to a temporary file, synced,
// renamed over the old one, and the directory synced, so after a crash the
// record holds the new value or the old one, and the old one only if the
// epoch was never used. A missing record is epoch 0; an unreadable or
// corrupt one is an error, never a guess. In the simulation mode the
// record is written and renamed the same way but not synced: the state
// directory is the simulator's, a simulated crash loses no file the
// process wrote, and a sync only guards against the real machine losing
// power, which a simulation does not model (the journal skips its syncs
// in simulation for the same reason).
func Claim(plugin, stateDir, run string, seed uint64, authority sdk.AuthorityID, mode sdk.Mode) (uint64, error) {
	if stateDir == "" {
		return 0, &sdk.ConfigError{Summary: "no state directory for seeded randomness",
			Detail: "in the testing and simulation modes the " + plugin + " plugin records in its state directory which " +
				"draws it has used, so that a restarted plugin never repeats one; the host " +
				"gives every plugin one, and a harness that configures the plugin itself must set StateDir"}
	}
	dir := filepath.Join(stateDir, Dir, fmt.Sprintf("seed-%d-authority-%x", seed, authority[:]))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, drawRecordError("cannot create the draw record directory", err)
	}
	removeGoneRuns(dir, run)
	path := filepath.Join(dir, run)
	epoch, err := readEpoch(path)
	if err != nil {
		return 0, err
	}
	if epoch == math.MaxUint64 {
		return 0, drawRecordError("every draw epoch of this seed, authority and run is used", fmt.Errorf("record %s", path))
	}
	if err := write(path, []byte(strconv.FormatUint(epoch+1, 10)+"\n"), mode != sdk.Simulation); err != nil {
		return 0, drawRecordError("cannot record the draw epoch", err)
	}
	return epoch, nil
}

// readEpoch reads the next unused epoch from the record at path; a
// missing record is epoch 0.
func readEpoch(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, drawRecordError("cannot read the draw record", err)
	}
	epoch, err := strconv.ParseUint(strings.TrimSuffix(string(b), "\n"), 10, 64)
	if err != nil || !strings.HasSuffix(string(b), "\n") {
		return 0, drawRecordError("the draw record is corrupt; the plugin will not guess which draws were used",
			fmt.Errorf("%s holds %q", path, b))
	}
	return epoch, nil
}

// removeGoneRuns removes the records in dir of other runs whose process
// is gone, so that records do not pile up run after run. A record whose
// process may still run, or whose name is not a run's, stays; a failure
// to remove one only leaves it.
func removeGoneRuns(dir, run string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		owner := e.Name() // a record, or a temporary file ".RUN.*" a crash left behind
		if rest, ok := strings.CutPrefix(owner, "."); ok {
			owner, _, _ = strings.Cut(rest, ".")
		}
		i := strings.LastIndexByte(owner, '-')
		if owner == run || i < 0 {
			continue
		}
		if pid, err := strconv.Atoi(owner[i+1:]); err == nil && pid > 0 && processGone(pid) {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// processGone reports whether no process pid exists. Any doubt (another
// user's process, a platform without signal 0) counts as running.
func processGone(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	defer p.Release()
	err = p.Signal(syscall.Signal(0))
	return errors.Is(err, os.ErrProcessDone) || errors.Is(err, syscall.ESRCH)
}

func drawRecordError(summary string, err error) error {
	return &sdk.ConfigError{Summary: summary, Detail: err.Error()}
}

// WriteSynced replaces the file at path with data, durably: a temporary
// file beside it is written and synced, then renamed over path, and the
// directory is synced so that the rename survives a crash. (Plugins may not
// import internal/atomicfile, which does not sync.)
func WriteSynced(path string, data []byte) error { return write(path, data, true) }

// write replaces the file at path with data through a temporary file
// renamed over it, syncing the file and the directory if sync is set.
func write(path string, data []byte, sync bool) error {
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
	if sync {
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if !sync {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
