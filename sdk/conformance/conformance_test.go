package conformance_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk/conformance"
)

// fixture is the test plugin of internal/fixture, built once in TestMain
// and launched as a real process by each test.
var fixture string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "conformance-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fixture = filepath.Join(dir, "fixture")
	build := exec.Command("go", "build", "-o", fixture, "./internal/fixture")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build the fixture plugin:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func run(t *testing.T, mode string, timeout time.Duration) *conformance.Report {
	t.Helper()
	return conformance.Run(context.Background(), &conformance.Command{Path: fixture, Args: []string{mode}},
		conformance.Config{Blocking: &effects.Call{Op: "fixture.wait"}, Timeout: timeout})
}

func text(r *conformance.Report) string {
	var b strings.Builder
	_ = r.WriteText(&b)
	return b.String()
}

// The well-behaved fixture passes every check, the process-level ones
// (cookie, handshake, shutdown) and the depth limit included.
func TestWellBehavedPluginPassesEveryCheck(t *testing.T) {
	t.Parallel()
	r := run(t, "good", 20*time.Second)
	if f := r.Failed(); len(f) > 0 {
		t.Fatalf("a well-behaved plugin failed:\n%s", text(r))
	}
	for _, name := range []string{conformance.CheckCookie, conformance.CheckHandshake, conformance.CheckDescribe,
		conformance.CheckUnconfig, conformance.CheckBadConfig, conformance.CheckConfigure, conformance.CheckHealth,
		conformance.CheckCallID, conformance.CheckUnknownOp, "answers/fixture.say", "result_kind/fixture.say",
		"invalid_args/fixture.say", conformance.CheckDeadline, conformance.CheckCancel, conformance.CheckDuplicateID, conformance.CheckHalfClose, conformance.CheckDepth,
		conformance.CheckErrorCodes, conformance.CheckDataPlane, conformance.CheckShutdown} {
		if c, ok := r.Find(name); !ok || c.Status != conformance.Pass {
			t.Errorf("check %s: %+v (found %v), want a pass\n%s", name, c, ok, text(r))
		}
	}
	if c, _ := r.Find(conformance.CheckDepth); !strings.Contains(c.Reason, "round-tripped") {
		t.Errorf("depth: %q, want the echo op to round-trip the deepest legal value", c.Reason)
	}
}

// Each fixture broken on purpose fails the check for its bug, by name and
// for the right reason.
func TestBrokenPluginsFailTheirCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode, check, reason string
	}{
		{"handshake", conformance.CheckHandshake, "announced another protocol version"},
		{"cookie", conformance.CheckHandshake, "before printing the handshake line; check that it accepts the magic cookie"},
		{"callid", conformance.CheckCallID, "came back as call"},
		{"resultkind", "result_kind/fixture.say", "declared result string, returned a value of kind int"},
		{"ignorecancel", conformance.CheckCancel, "was cancelled but not answered"},
		{"dupid", conformance.CheckDuplicateID, "got no answer within"},
		{"halfclose", conformance.CheckHalfClose, "half-closed"},
		{"badcode", conformance.CheckErrorCodes, `"oops" (from fixture.say)`},
		{"shallow", conformance.CheckDepth, fmt.Sprintf("a value nested %d deep, the limit) got invalid_args", effects.MaxDepth)},
		{"describe", conformance.CheckDescribe, "fixture.say declared twice"},
		{"orphan", conformance.CheckShutdown, "left processes running in its process group"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			// Short: each of these waits out the bound once or twice for an
			// answer that never comes.
			r := run(t, tc.mode, 2*time.Second)
			c, ok := r.Find(tc.check)
			if !ok || c.Status != conformance.Fail || !strings.Contains(c.Reason, tc.reason) {
				t.Fatalf("check %s: %+v (found %v), want a failure saying %q\n%s", tc.check, c, ok, tc.reason, text(r))
			}
			if !strings.Contains(text(r), "FAIL "+tc.check+": ") {
				t.Fatalf("the text report does not name the failure:\n%s", text(r))
			}
		})
	}
}

// A call_id bug is reported as what it is: which call's result came back
// under which ID.
func TestCallIDShiftIsNamed(t *testing.T) {
	t.Parallel()
	r := run(t, "callid", 2*time.Second)
	c, _ := r.Find(conformance.CheckCallID)
	if !strings.Contains(c.Reason, "off by +1") {
		t.Fatalf("call_id: %q, want the offset named", c.Reason)
	}
}

// A blocking call the plugin does not declare is a configuration mistake
// of the run, said as such; it does not fail the deadline and cancel
// checks for the plugin.
func TestUndeclaredBlockingCallIsNamed(t *testing.T) {
	t.Parallel()
	r := conformance.Run(context.Background(), &conformance.Command{Path: fixture, Args: []string{"good"}},
		conformance.Config{Blocking: &effects.Call{Op: "fixture.sleep"}, Timeout: 2 * time.Second})
	c, _ := r.Find(conformance.CheckBlocking)
	if c.Status != conformance.Fail || !strings.Contains(c.Reason, "fixture.sleep, which the plugin does not declare") {
		t.Fatalf("describe: %+v", c)
	}
	if c, _ := r.Find(conformance.CheckCancel); c.Status != conformance.Skip {
		t.Fatalf("cancel: %+v, want skipped", c)
	}
}

// A command that does not exist, or is not a plugin at all, fails the
// handshake with a reason a person can act on.
func TestNotAPluginFailsTheHandshake(t *testing.T) {
	t.Parallel()
	want := map[string]string{"missing": "cannot run", "not a plugin": "not a handshake line"}
	for name, cmd := range map[string]*conformance.Command{
		"missing":      {Path: filepath.Join(t.TempDir(), "nothing-here")},
		"not a plugin": {Path: "sh", Args: []string{"-c", "echo hello; sleep 30"}},
	} {
		t.Run(name, func(t *testing.T) {
			r := conformance.Run(context.Background(), cmd, conformance.Config{Timeout: 2 * time.Second})
			c, ok := r.Find(conformance.CheckHandshake)
			if !ok || c.Status != conformance.Fail || !strings.Contains(c.Reason, want[name]) {
				t.Fatalf("handshake: %+v\n%s", c, text(r))
			}
		})
	}
}

// A plugin that needs its host is not failed for what a run without a
// host (NoHost) cannot give it; without even that, its unavailable answer
// is a failure.
func TestHostCallbacksOutsideADeployment(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		host conformance.Config
		want conformance.Status
	}{
		{conformance.Config{Host: conformance.NoHost}, conformance.Skip},
		{conformance.Config{}, conformance.Fail},
	} {
		tc.host.Timeout = 20 * time.Second
		tc.host.Blocking = &effects.Call{Op: "fixture.wait"}
		r := conformance.Run(context.Background(), &conformance.Command{Path: fixture, Args: []string{"callback"}}, tc.host)
		if c, _ := r.Find("answers/fixture.say"); c.Status != tc.want {
			t.Errorf("host %v: answers/fixture.say %+v, want %v\n%s", tc.host.Host, c, tc.want, text(r))
		}
		if f := r.Failed(); tc.want == conformance.Skip && len(f) > 0 {
			t.Errorf("with NoHost: %v", f)
		}
	}
}
