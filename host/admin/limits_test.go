package admin_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/admin"
)

// recordingHost is a fakeHost that records each call's deadline.
type recordingHost struct {
	fakeHost
	mu        sync.Mutex
	calls     int
	deadlines []time.Duration // time left at the call; -1 for none
}

func (r *recordingHost) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	r.mu.Lock()
	r.calls++
	left := time.Duration(-1)
	if dl, ok := ctx.Deadline(); ok {
		left = time.Until(dl)
	}
	r.deadlines = append(r.deadlines, left)
	r.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return effects.Value{}, &effects.Error{Code: effects.CodeTimeout, Op: call.Op, Message: err.Error()}
	}
	return r.fakeHost.Invoke(ctx, call)
}

func (r *recordingHost) invocations() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// serve starts an admin endpoint for target and returns its socket path.
func serve(t *testing.T, target admin.Target) string {
	t.Helper()
	sockets, err := os.MkdirTemp("", "adm") // short: unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockets) })
	state := t.TempDir()
	srv, err := admin.Serve(admin.Config{StateDir: state, SocketDir: sockets, Target: target})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Close(ctx)
	})
	path, err := admin.Find(state)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// rawClient speaks HTTP to the admin socket with no help from admin.Client,
// as an attacker's (or a buggy) client would.
func rawClient(path string) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}}}
}

// repeatReader yields the same byte forever.
type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// Attack 8 (admin half) of issue 11: a 70 MB request body is refused with
// 413 before it is decoded — the call never reaches the host, and the
// endpoint does not buffer the body.
func TestAdminRefusesAHugeBodyWithoutReadingIt(t *testing.T) {
	target := &recordingHost{}
	path := serve(t, target)
	const size = 70 << 20
	body := io.MultiReader(strings.NewReader(`{"op":"echo.say","args":{"map":{"text":"`), io.LimitReader(repeatReader('a'), size),
		strings.NewReader(`"}}}`))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := rawClient(path).Post("http://aura-host/v1/invoke", "application/json", body)
	runtime.ReadMemStats(&after)
	if err == nil {
		defer res.Body.Close()
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(msg), "request body over 1048576 bytes") {
			t.Fatalf("got %s %q, want 413 saying the body is over 1048576 bytes", res.Status, msg)
		}
	} else if !strings.Contains(err.Error(), "broken pipe") && !strings.Contains(err.Error(), "connection reset") {
		// The server may close the connection before the client has
		// written the whole body; any other failure is not the cap.
		t.Fatalf("post: %v", err)
	}
	if n := target.invocations(); n != 0 {
		t.Fatalf("the host was invoked %d times", n)
	}
	// Client and server share this process: reading 70 MB into a decoder
	// would allocate well over 70 MB.
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
		t.Fatalf("the request allocated %d MB", grew>>20)
	}
}

// The client refuses a call too big for the endpoint before sending it,
// with a typed error.
func TestAdminClientRefusesAnOversizedCall(t *testing.T) {
	target := &recordingHost{}
	c := admin.Dial(serve(t, target))
	big := effects.Map(map[string]effects.Value{"text": effects.String(strings.Repeat("a", admin.DefaultMaxRequestBytes))})
	_, err := c.Invoke(context.Background(), "echo.say", big)
	if e := effects.AsError(err); e == nil || e.Code != effects.CodeInvalidArgs || !strings.Contains(e.Message, "at most") {
		t.Fatalf("got %v, want invalid_args saying the limit", err)
	}
	if n := target.invocations(); n != 0 {
		t.Fatalf("the host was invoked %d times", n)
	}
}

// Attack 8 (admin half): timeout_ms = 2^63-1 used to overflow into a
// deadline in the past, so every call timed out at once. Huge values are
// clamped to MaxInvokeTimeout; negative ones are refused with 400 and reach
// nothing.
func TestAdminInvokeTimeoutIsValidatedAndSaturates(t *testing.T) {
	for _, tt := range []struct {
		ms       int64
		status   int
		wantLeft time.Duration // minimum time left at the call; -1: no deadline
	}{
		{math.MaxInt64, http.StatusOK, admin.MaxInvokeTimeout - time.Minute},
		{math.MaxInt64 / 1000, http.StatusOK, admin.MaxInvokeTimeout - time.Minute},
		{5000, http.StatusOK, 4 * time.Second},
		{0, http.StatusOK, -1},
		{-1, http.StatusBadRequest, 0},
		{math.MinInt64, http.StatusBadRequest, 0},
	} {
		t.Run(fmt.Sprint(tt.ms), func(t *testing.T) {
			target := &recordingHost{}
			body := fmt.Sprintf(`{"op":"echo.say","args":{"map":{"text":"hi"}},"timeout_ms":%d}`, tt.ms)
			res, err := rawClient(serve(t, target)).Post("http://aura-host/v1/invoke", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			msg, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.status {
				t.Fatalf("got %s %s, want %d", res.Status, msg, tt.status)
			}
			if tt.status != http.StatusOK {
				if !strings.Contains(string(msg), "timeout_ms") {
					t.Errorf("refusal does not name timeout_ms: %s", msg)
				}
				if n := target.invocations(); n != 0 {
					t.Fatalf("the host was invoked %d times", n)
				}
				return
			}
			if !strings.Contains(string(msg), `"value"`) {
				t.Fatalf("call failed: %s", msg)
			}
			left := target.deadlines[0]
			switch {
			case tt.wantLeft < 0 && left >= 0:
				t.Fatalf("a deadline %v away was set, want none", left)
			case tt.wantLeft >= 0 && (left < tt.wantLeft || left > admin.MaxInvokeTimeout):
				t.Fatalf("deadline %v away, want between %v and %v", left, tt.wantLeft, admin.MaxInvokeTimeout)
			}
		})
	}
}
