//go:build !linux

package sim

// freeBytes is unknown off Linux, where /dev/shm is not a memory
// filesystem to rely on: MemoryTempDir uses os.TempDir() there.
func freeBytes(string) (uint64, bool) { return 0, false }
