package crypto

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// drawPurposes are the purposes the draws of these tests alternate between.
var drawPurposes = []string{"frost hiding nonce", "frost binding nonce", "ed25519 key seed"}

// configured returns a plugin configured with mode, seed and authority
// over stateDir, failing the test if configuration fails.
func configured(t *testing.T, mode sdk.Mode, seed uint64, authority sdk.AuthorityID, stateDir string) *plugin {
	t.Helper()
	p := &plugin{}
	reconfigure(t, p, mode, seed, authority, stateDir)
	return p
}

func reconfigure(t *testing.T, p *plugin, mode sdk.Mode, seed uint64, authority sdk.AuthorityID, stateDir string) {
	t.Helper()
	if err := p.configure(context.Background(), &sdk.Configuration{Mode: mode, Seed: seed, Authority: authority, StateDir: stateDir}); err != nil {
		t.Fatalf("configure: %v", err)
	}
}

// draws makes n draws of 32 bytes, cycling through drawPurposes.
func draws(p *plugin, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = make([]byte, 32)
		p.random(drawPurposes[i%len(drawPurposes)], out[i])
	}
	return out
}

// TestRestartedPluginNeverRepeatsADraw configures the plugin over one
// state directory again and again — a new instance each time, as after a
// process restart, or the same instance reconfigured, in either
// deterministic mode — and checks that no draw ever repeats; that a fresh
// state directory with the same seed reproduces the first configuration's
// draws (which are what the plugin drew before it kept draw epochs); and
// that the same sequence of restarts over a fresh directory reproduces the
// whole run.
func TestRestartedPluginNeverRepeatsADraw(t *testing.T) {
	t.Parallel()
	alice := effects.DeriveAuthorityID("alice", 1)
	const seed, perRun = 7, 30
	run := func(dir string) [][][]byte {
		var runs [][][]byte
		var p *plugin
		for i, mode := range []sdk.Mode{sdk.Testing, sdk.Testing, sdk.Simulation, sdk.Testing, sdk.Simulation, sdk.Testing} {
			if i%2 == 0 {
				p = configured(t, mode, seed, alice, dir) // a restarted process
			} else {
				reconfigure(t, p, mode, seed, alice, dir) // the same instance configured again
			}
			runs = append(runs, draws(p, perRun))
		}
		return runs
	}
	dir := t.TempDir()
	first := run(dir)
	seen := map[string]int{}
	for i, r := range first {
		for j, d := range r {
			if prev, ok := seen[string(d)]; ok {
				t.Fatalf("configuration %d, draw %d repeats a draw of configuration %d", i, j, prev)
			}
			seen[string(d)] = i
		}
	}
	// Later configurations over the same directory still do not repeat.
	for _, d := range draws(configured(t, sdk.Testing, seed, alice, dir), perRun) {
		if _, ok := seen[string(d)]; ok {
			t.Fatal("a configuration after the run repeats one of its draws")
		}
	}

	fresh := draws(configured(t, sdk.Simulation, seed, alice, t.TempDir()), perRun)
	if !slices.EqualFunc(fresh, first[0], bytes.Equal) {
		t.Error("a fresh state directory with the same seed does not reproduce the first configuration's draws")
	}
	if again := run(t.TempDir()); !slices.EqualFunc(again, first, func(a, b [][]byte) bool { return slices.EqualFunc(a, b, bytes.Equal) }) {
		t.Error("the same restarts over a fresh state directory do not reproduce the run")
	}

	// Epoch 0 is the derivation from before draw epochs: seed, authority
	// and counter only.
	var src [32]byte
	binary.BigEndian.PutUint64(src[0:], seed)
	copy(src[8:], alice[:])
	binary.BigEndian.PutUint64(src[24:], 1)
	want := make([]byte, 32)
	blake3.DeriveKey(want, "aura-host plugins/crypto v1 "+drawPurposes[0], src[:])
	if !bytes.Equal(first[0][0], want) {
		t.Error("the first draw on a fresh state directory is not the epoch-free derivation")
	}
}

// TestDrawEpochsAreKeptPerSeedAndAuthority: another seed or authority over
// the same state directory starts at its own epoch 0 (reproducing a fresh
// directory, and safe since its draws derive from a different input).
func TestDrawEpochsAreKeptPerSeedAndAuthority(t *testing.T) {
	t.Parallel()
	alice, bob := effects.DeriveAuthorityID("alice", 1), effects.DeriveAuthorityID("bob", 1)
	dir := t.TempDir()
	for range 3 {
		configured(t, sdk.Testing, 7, alice, dir)
	}
	for name, c := range map[string]struct {
		seed      uint64
		authority sdk.AuthorityID
	}{"other seed": {8, alice}, "other authority": {7, bob}} {
		got := draws(configured(t, sdk.Testing, c.seed, c.authority, dir), 5)
		want := draws(configured(t, sdk.Testing, c.seed, c.authority, t.TempDir()), 5)
		if !slices.EqualFunc(got, want, bytes.Equal) {
			t.Errorf("%s: draws over a used state directory differ from a fresh one's", name)
		}
	}
}

// TestDeterministicModesNeedTheirDrawRecord: without a state directory, or
// with a record it cannot trust, a deterministic configuration is refused
// (a restarted plugin would repeat its draws); production needs neither.
func TestDeterministicModesNeedTheirDrawRecord(t *testing.T) {
	t.Parallel()
	alice := effects.DeriveAuthorityID("alice", 1)
	configureErr := func(mode sdk.Mode, dir string) *sdk.ConfigError {
		t.Helper()
		err := (&plugin{}).configure(context.Background(), &sdk.Configuration{Mode: mode, Seed: 7, Authority: alice, StateDir: dir})
		var ce *sdk.ConfigError
		if !errors.As(err, &ce) {
			t.Fatalf("configure %s over %q: %v, want a configuration error", mode, dir, err)
		}
		return ce
	}
	for _, mode := range []sdk.Mode{sdk.Testing, sdk.Simulation} {
		if ce := configureErr(mode, ""); ce.Summary != "no state directory for seeded randomness" {
			t.Errorf("%s without a state directory: %q", mode, ce.Summary)
		}
	}

	dir := t.TempDir()
	configured(t, sdk.Testing, 7, alice, dir)
	records, _ := filepath.Glob(filepath.Join(dir, drawsDir, "*", "*"))
	if want := filepath.Join(dir, drawsDir, "seed-7-authority-"+hex.EncodeToString(alice[:]), hostRun()); !slices.Equal(records, []string{want}) {
		t.Fatalf("draw records after one configuration: %v, want %s", records, want)
	}
	if b, _ := os.ReadFile(records[0]); string(b) != "1\n" {
		t.Fatalf("record after one configuration holds %q, want the run's next epoch, 1", b)
	}
	for _, corrupt := range []string{"", "two\n", "-1\n", "2", "18446744073709551616\n"} {
		if err := os.WriteFile(records[0], []byte(corrupt), 0o600); err != nil {
			t.Fatal(err)
		}
		if ce := configureErr(sdk.Testing, dir); !strings.Contains(ce.Summary, "corrupt") {
			t.Errorf("record %q: %q, want it called corrupt", corrupt, ce.Summary)
		}
		if b, _ := os.ReadFile(records[0]); string(b) != corrupt {
			t.Errorf("a refused configuration rewrote the record %q as %q", corrupt, b)
		}
	}
	if err := os.WriteFile(records[0], []byte("18446744073709551615\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if ce := configureErr(sdk.Testing, dir); !strings.Contains(ce.Summary, "every draw epoch") {
		t.Errorf("exhausted record: %q", ce.Summary)
	}

	p := configured(t, sdk.Production, 7, alice, "")
	if d := draws(p, 2); bytes.Equal(d[0], d[1]) {
		t.Error("production draws repeat")
	}
	empty := t.TempDir()
	configured(t, sdk.Production, 7, alice, empty)
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("production wrote %d entries to the state directory, want none", len(entries))
	}
}

// TestDrawEpochsStartAgainInANewHostRun: each host run keeps its own
// record. A run without one starts at epoch 0 (so a run with the same seed
// reproduces the last one over the same state directory, as
// `aura-host protocol run --seed` must); within a run the epochs only go
// up, whatever other runs do in between; the records of runs whose process
// is gone are removed.
func TestDrawEpochsStartAgainInANewHostRun(t *testing.T) {
	t.Parallel()
	alice := effects.DeriveAuthorityID("alice", 1)
	dir := t.TempDir()
	claim := func(run string) uint64 {
		t.Helper()
		epoch, err := claimEpoch(dir, run, 7, alice, sdk.Testing)
		if err != nil {
			t.Fatal(err)
		}
		return epoch
	}
	// Two live runs (this process and its parent) and one whose process
	// cannot exist (beyond any pid_max).
	a, b, gone := "host-"+strconv.Itoa(os.Getpid()), "host-"+strconv.Itoa(os.Getppid()), "host-2147483646"
	var got []uint64
	for _, run := range []string{a, a, gone, a, b, b, gone, a, b} {
		got = append(got, claim(run))
	}
	if want := []uint64{0, 1, 0, 2, 0, 1, 0, 3, 2}; !slices.Equal(got, want) {
		t.Fatalf("epochs claimed = %v, want %v", got, want)
	}
	records, _ := filepath.Glob(filepath.Join(dir, drawsDir, "*", "*"))
	for _, r := range records {
		if filepath.Base(r) == gone {
			t.Errorf("the record of a run whose process is gone is still there: %v", records)
		}
	}
	if len(records) != 2 {
		t.Errorf("records %v, want the two live runs'", records)
	}
}

// TestHostRunIsTheHostsPID: the run is the PID aura-host passes its plugin
// processes, else the parent of a plugin process, else this process. (Not
// parallel: it sets the environment the parallel tests read.)
func TestHostRunIsTheHostsPID(t *testing.T) {
	t.Setenv(sdk.HostPIDEnv, "4242")
	if r := hostRun(); r != "host-4242" {
		t.Errorf("hostRun under %s=4242 is %q", sdk.HostPIDEnv, r)
	}
	t.Setenv(sdk.HostPIDEnv, "")
	if r, want := hostRun(), "self-"+strconv.Itoa(os.Getpid()); r != want {
		t.Errorf("hostRun in process is %q, want %q", r, want)
	}
	t.Setenv(sdk.Handshake.MagicCookieKey, sdk.Handshake.MagicCookieValue)
	if r, want := hostRun(), "parent-"+strconv.Itoa(os.Getppid()); r != want {
		t.Errorf("hostRun in a plugin process without %s is %q, want %q", sdk.HostPIDEnv, r, want)
	}
}
