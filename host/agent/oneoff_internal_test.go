package agent

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// A timeout at the call's deadline is the call's, whoever reported it; a
// plugin's call-policy timeout long before it, or the caller's own end,
// is reported as it is.
func TestTimedOutIsTheCallsDeadlineOnly(t *testing.T) {
	t.Parallel()
	pluginTimeout := &effects.Error{Code: effects.CodeTimeout, Op: "clock.sleep_ms", Message: "deadline exceeded"}
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	far, cancelFar := context.WithTimeout(context.Background(), time.Hour)
	defer cancelFar()
	near, cancelNear := context.WithTimeout(context.Background(), deadlineSlack/2) // the plugin noticed first
	defer cancelNear()
	gone, cancelGone := context.WithCancel(context.Background())
	cancelGone()
	for _, tc := range []struct {
		name         string
		ctx, callCtx context.Context
		err          error
		wantTimeout  bool
	}{
		{"the client noticed: an admin request cut short", context.Background(), expired, errors.New("reach the host's admin endpoint: context deadline exceeded"), true},
		{"the plugin noticed just before the client", context.Background(), near, pluginTimeout, true},
		{"the plugin's own call policy, long before", context.Background(), far, pluginTimeout, false},
		{"another failure", context.Background(), far, errors.New("not_found"), false},
		{"the caller's context ended (Ctrl-C)", gone, expired, context.Canceled, false},
	} {
		err := timedOut(tc.ctx, tc.callCtx, "clock.sleep_ms", 300*time.Millisecond, tc.err)
		var te *TimeoutError
		if got := errors.As(err, &te); got != tc.wantTimeout {
			t.Errorf("%s: %v, want a TimeoutError: %v", tc.name, err, tc.wantTimeout)
		}
		if te != nil && (te.Error() != "timed out after 300ms calling clock.sleep_ms: the call was cancelled at its deadline" || !errors.Is(err, tc.err)) {
			t.Errorf("%s: %q does not wrap %v", tc.name, te, tc.err)
		}
	}
}
