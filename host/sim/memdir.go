package sim

import (
	"os"
	"sync"
)

// MemoryTempDir is where a simulation keeps its throwaway state by
// default: /dev/shm, a memory filesystem, when it is a directory this
// process may write in with at least minMemoryFree bytes free; else
// os.TempDir(). A simulation's files live only as long as it does, so a
// disk buys them nothing, and costs much: on a virtual disk, creating,
// syncing and removing each seed's databases and directories took three
// quarters of a sweep's wall time (1,000 seeds: 35.5 s on the disk, 9.4 s
// in memory; BENCHMARKS.md, issue 15).
func MemoryTempDir() string {
	if memoryDirUsable() {
		return memoryDir
	}
	return os.TempDir()
}

// memoryDir is the memory filesystem MemoryTempDir prefers.
const memoryDir = "/dev/shm"

// minMemoryFree is the free space /dev/shm must have for MemoryTempDir to
// choose it. A sweep of the example with two workers peaked at 348 KiB
// there (du, sampled every 50 ms over 200 seeds), so a container's default
// 64 MiB is plenty when empty; this keeps a nearly full one — where a
// simulation would fail midway with "no space left on device" — from
// being chosen.
const minMemoryFree = 32 << 20

var memoryDirUsable = sync.OnceValue(func() bool { return usableMemoryDir(memoryDir, minMemoryFree) })

// usableMemoryDir reports whether dir is a directory this process may
// create files in, with at least minFree bytes free.
func usableMemoryDir(dir string, minFree uint64) bool {
	if free, ok := freeBytes(dir); !ok || free < minFree {
		return false
	}
	f, err := os.CreateTemp(dir, ".aura-probe-")
	if err != nil {
		return false
	}
	_ = f.Close()
	_ = os.Remove(f.Name())
	return true
}
