package main_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

// A real plugin — a built-in, started as an executable like any other —
// passes every check of `plugin conformance`, the deadline and cancel
// checks included when it is given a blocking call.
func TestPluginConformanceOfABuiltinPlugin(t *testing.T) {
	t.Parallel()
	out := mustCLI(t, "plugin", "conformance", "--blocking", `clock.sleep_ms={"ms":{"int":"3600000"}}`, "--",
		auraHost, "plugin", "serve", "clock")
	for _, want := range []string{"PASS cookie", "PASS handshake", "PASS describe", "PASS configure_diagnostics",
		"PASS call_id", "PASS answers/clock.physical_time", "PASS result_kind/clock.physical_time", "PASS invalid_args/clock.physical_time",
		"PASS deadline", "PASS cancel", "PASS duplicate_call_id", "PASS error_codes", "PASS health", "PASS shutdown", "clock conforms: "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "FAIL") {
		t.Errorf("a built-in plugin failed a check:\n%s", out)
	}
}

var (
	fixtureOnce sync.Once
	fixturePath string
	fixtureErr  error
)

// fixture builds the conformance suite's test plugin (broken on purpose
// by mode) once.
func fixture(t *testing.T) string {
	t.Helper()
	fixtureOnce.Do(func() {
		dir, err := os.MkdirTemp("", "conformance-fixture-")
		if err != nil {
			fixtureErr = err
			return
		}
		fixturePath = filepath.Join(dir, "fixture")
		out, err := exec.Command("go", "build", "-o", fixturePath, "../../sdk/conformance/internal/fixture").CombinedOutput()
		if err != nil {
			fixtureErr = err
			t.Log(string(out))
		}
	})
	if fixtureErr != nil {
		t.Fatalf("build the fixture plugin: %v", fixtureErr)
	}
	return fixturePath
}

// A plugin broken on purpose fails with the failing check named on its own
// line, and the command exits 1.
func TestPluginConformanceNamesTheFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode string
		line *regexp.Regexp
	}{
		{"callid", regexp.MustCompile(`(?m)^FAIL call_id: result for call (\d+) came back as call (\d+) \(every result's call_id is off by \+1\)`)},
		{"handshake", regexp.MustCompile(`(?m)^FAIL handshake: the plugin announced another protocol version`)},
		{"resultkind", regexp.MustCompile(`(?m)^FAIL result_kind/fixture.say: declared result string, returned a value of kind int`)},
		{"ignorecancel", regexp.MustCompile(`(?m)^FAIL cancel: call \d+ to fixture.wait was cancelled but not answered`)},
		{"dupid", regexp.MustCompile(`(?m)^FAIL duplicate_call_id: a second call under call_id \d+, while the first \(fixture.wait\) was in flight, got no answer`)},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			out, errOut, code := cli(t, "plugin", "conformance", "--timeout", "2s", "--blocking", "fixture.wait", "--", fixture(t), tc.mode)
			if code != 1 || !tc.line.MatchString(out) {
				t.Fatalf("exit %d, want 1 and a line matching %s\nstdout:\n%s\nstderr:\n%s", code, tc.line, out, errOut)
			}
			if !regexp.MustCompile(`(?m)^(fixture|the plugin) does not conform: \d+ passed, [1-9]\d* failed, \d+ skipped$`).MatchString(out) {
				t.Fatalf("no summary line:\n%s", out)
			}
		})
	}
	t.Run("good", func(t *testing.T) {
		t.Parallel()
		out := mustCLI(t, "plugin", "conformance", "--blocking", "fixture.wait", "--", fixture(t), "good")
		if !strings.Contains(out, fmt.Sprintf("PASS depth: fixture.echo(value): depth %d round-tripped", effects.MaxDepth)) || strings.Contains(out, "FAIL") {
			t.Fatalf("the well-behaved fixture:\n%s", out)
		}
	})
}

// --json prints the report as one object a CI job can read: the failing
// check with its reason, the counts, the verdict; the exit status is the
// same as the text's.
func TestPluginConformanceJSON(t *testing.T) {
	t.Parallel()
	out, errOut, code := cli(t, "plugin", "conformance", "--json", "--timeout", "2s", "--blocking", "fixture.wait", "--", fixture(t), "dupid")
	var rep struct {
		Plugin   string `json:"plugin"`
		Conforms bool   `json:"conforms"`
		Passed   int    `json:"passed"`
		Failed   int    `json:"failed"`
		Checks   []struct {
			Name, Status, Reason string
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 {
		t.Fatalf("exit %d, %v\nstdout:\n%s\nstderr:\n%s", code, err, out, errOut)
	}
	if rep.Plugin != "fixture" || rep.Conforms || rep.Failed != 1 || rep.Passed < 10 || len(rep.Checks) < rep.Passed+rep.Failed {
		t.Fatalf("report %+v", rep)
	}
	for _, c := range rep.Checks {
		if c.Status == "fail" && (c.Name != "duplicate_call_id" || !strings.Contains(c.Reason, "got no answer")) {
			t.Errorf("failed check %+v, want only duplicate_call_id", c)
		}
	}
}

// Mistakes in the command line are errors before anything runs.
func TestPluginConformanceUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"plugin", "conformance", "./plugin"}, "put the plugin's command after --"},
		{[]string{"plugin", "conformance", "--", filepath.Join(t.TempDir(), "absent")}, "cannot run the plugin"},
		{[]string{"plugin", "conformance", "--sample", "echo.say={bad", "--", "true"}, "--sample arguments of echo.say"},
		{[]string{"plugin", "conformance", "--blocking", "Not An Op", "--", "true"}, "--blocking"},
		{[]string{"plugin", "conformance", "--config", filepath.Join(t.TempDir(), "none.json"), "--", "true"}, "--config"},
	} {
		_, errOut, code := cli(t, tc.args...)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("aura-host %s: exit %d, stderr %q; want 1 and %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
}
