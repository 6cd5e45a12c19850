package nodeexample

import (
	"fmt"
	"strings"
	"testing"
)

// recorder is a testing.TB that notes how Script ends a test instead of
// ending it.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }
func (r *recorder) Fatal(args ...any)                 { r.failed = fmt.Sprint(args...) }

// Without node, a developer's machine skips the test and CI fails it,
// saying how to install what is missing.
func TestScriptWithoutNode(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		r := &recorder{TB: t}
		Script(r)
		switch {
		case ci == "" && (r.skipped == "" || r.failed != ""):
			t.Errorf("outside CI: skipped %q, failed %q; want a skip", r.skipped, r.failed)
		case ci != "" && (r.failed == "" || r.skipped != ""):
			t.Errorf("under CI: skipped %q, failed %q; want a failure", r.skipped, r.failed)
		}
		for _, msg := range []string{r.skipped, r.failed} {
			if msg != "" && !strings.HasPrefix(msg, "node is not on PATH") {
				t.Errorf("message %q does not say node is missing", msg)
			}
		}
	}
}
