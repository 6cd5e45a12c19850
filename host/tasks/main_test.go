package tasks_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// t0 is the start of every ManualClock in these tests.
var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// waitCtx bounds a wait on a condition, so that a bug hangs one test with
// a clear failure rather than the whole run. No assertion depends on it.
// It does not derive from t.Context, which is cancelled before cleanups
// run, so that cleanups can wait too.
func waitCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// noLeaks checks, when the test ends, that it left no goroutine behind.
func noLeaks(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", what)
		}
	}()
	f()
}
