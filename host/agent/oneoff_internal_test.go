package agent

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

func TestReadTextArgs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "v.bin")
	if err := os.WriteFile(path, []byte{0, 1, 2}, 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := ReadTextArgs([]string{"a=@" + path, "b=@-", "c=@@x", "d=plain"}, "", strings.NewReader("from stdin"))
	if err != nil {
		t.Fatal(err)
	}
	if string(in.Files["a"]) != "\x00\x01\x02" || string(in.Files["b"]) != "from stdin" || !slices.Equal(in.Pairs, []string{"c=@x", "d=plain"}) || in.JSON != nil {
		t.Errorf("got %+v", in)
	}
	for _, tc := range []struct {
		pairs    []string
		argsJSON string
		stdin    io.Reader
		want     string
	}{
		{[]string{"a=@-"}, "-", strings.NewReader("{}"), "--args-json -: stdin is read once"},
		{[]string{"a=@" + path, "a=@" + path}, "", nil, `argument "a" given twice`},
		{[]string{"a=@" + filepath.Join(dir, "none")}, "", nil, "argument a=@" + filepath.Join(dir, "none") + ": no such file"},
		{[]string{"a=@" + dir}, "", nil, "is a directory"},
		{nil, "-", io.LimitReader(zeros{}, MaxArgInput+1), "limited to 16 MiB in all"},
		{[]string{"a=@" + path}, "-", io.LimitReader(zeros{}, MaxArgInput-2), "limited to 16 MiB in all"},
	} {
		if _, err := ReadTextArgs(tc.pairs, tc.argsJSON, tc.stdin); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %q: %v, want %q", tc.pairs, tc.argsJSON, err, tc.want)
		}
	}
}

// zeros is an endless stream, as /dev/zero.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
