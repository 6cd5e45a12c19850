package sim_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/plugins"
)

// A simulation keeps its agents' state in a directory of its own under
// Config.StateRoot — each agent's journal database there — and Close
// removes it; the seed's bundle does not depend on where it was.
func TestStateRootHoldsTheSimulationsStateUntilClose(t *testing.T) {
	dep := deployment(t, exampleWithoutDrawnCrashes(t))
	root := t.TempDir()
	s, err := sim.New(context.Background(), sim.Config{Deployment: dep, Seed: 5, Builtins: plugins.Lookup,
		Logger: quietLogger(t), StateRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dirs, _ := filepath.Glob(filepath.Join(root, "aura-sim-*"))
	if len(dirs) != 1 {
		t.Fatalf("state directories under %s: %v, want one", root, dirs)
	}
	for _, a := range dep.Agents {
		if _, err := os.Stat(filepath.Join(dirs[0], a.Name, "plugins", "journal", "journal.db")); err != nil {
			t.Errorf("agent %s's journal: %v", a.Name, err)
		}
	}
	s.Close(context.Background())
	if left, _ := os.ReadDir(root); len(left) != 0 {
		t.Errorf("after Close, %s still holds %v", root, left)
	}
	if other := simulatePassing(t, dep, 5); !slices.Equal(other.Bundle.Bytes(), out.Bundle.Bytes()) {
		t.Error("the bundle of seed 5 depends on where its state was kept")
	}
}

// By default that directory is on /dev/shm, a memory filesystem, where
// this process may write there and it has room (TestUsableMemoryDir has
// the rule); else the usual temporary directory.
func TestMemoryTempDirPrefersTheMemoryFilesystem(t *testing.T) {
	got := sim.MemoryTempDir()
	if got != "/dev/shm" && got != os.TempDir() {
		t.Fatalf("MemoryTempDir() = %s, want /dev/shm or %s", got, os.TempDir())
	}
	var st syscall.Statfs_t
	if syscall.Statfs("/dev/shm", &st) != nil || st.Bavail*uint64(st.Bsize) < 1<<30 {
		return // no roomy /dev/shm here: either answer may be right
	}
	f, err := os.CreateTemp("/dev/shm", "probe-")
	if err != nil {
		return
	}
	_ = f.Close()
	_ = os.Remove(f.Name())
	if got != "/dev/shm" {
		t.Errorf("MemoryTempDir() = %s, want /dev/shm (writable here, with a GiB free)", got)
	}
}
