package hosttest

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// SwapUntilStopped replaces path with a and b in turn, as fast as it can,
// the way an attacker races a check against a use: each swap links the
// other file beside path and renames it over path, so path always names
// one whole file. It runs until the returned stop is called (which waits
// for it); a failed swap fails t.
func SwapUntilStopped(t testing.TB, path, a, b string) (stop func()) {
	done := make(chan struct{})
	var swaps sync.WaitGroup
	swaps.Go(func() {
		tmp := filepath.Join(filepath.Dir(path), ".swap")
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			src := a
			if i%2 == 1 {
				src = b
			}
			_ = os.Remove(tmp)
			if err := os.Link(src, tmp); err != nil {
				t.Error("swap:", err)
				return
			}
			if err := os.Rename(tmp, path); err != nil {
				t.Error("swap:", err)
				return
			}
		}
	})
	return func() { close(done); swaps.Wait() }
}
