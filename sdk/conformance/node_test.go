package conformance_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/internal/nodeexample"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk/conformance"
)

// runNode runs the suite on the Node.js example, broken one way when
// breakMode is set (AURA_NODE_EXAMPLE_BREAK, see its README).
func runNode(t *testing.T, script, breakMode string, timeout time.Duration) *conformance.Report {
	t.Helper()
	cmd := &conformance.Command{Path: "node", Args: []string{script}, StartTimeout: time.Minute}
	if breakMode != "" {
		cmd.Env = []string{"AURA_NODE_EXAMPLE_BREAK=" + breakMode}
	}
	sleep := &effects.Call{Op: "node.sleep", Args: effects.Map(map[string]effects.Value{"ms": effects.Uint(3_600_000)})}
	return conformance.Run(context.Background(), cmd, conformance.Config{Blocking: sleep, Timeout: timeout})
}

// The Node.js example, a plugin written without Go, passes the suite with
// its deadline and cancel checks; each way it can be broken on purpose
// fails the check for that bug, by name.
func TestNodeExampleConforms(t *testing.T) {
	script := nodeexample.Script(t)
	r := runNode(t, script, "", 10*time.Second)
	if len(r.Failed()) > 0 {
		t.Fatalf("the Node.js example does not conform:\n%s", text(r))
	}
	for _, name := range []string{conformance.CheckHandshake, conformance.CheckCallID, conformance.CheckDeadline,
		conformance.CheckCancel, conformance.CheckDuplicateID, conformance.CheckHalfClose, conformance.CheckDepth, conformance.CheckShutdown, "result_kind/node.greet"} {
		if c, ok := r.Find(name); !ok || c.Status != conformance.Pass {
			t.Errorf("check %s: %+v (found %v), want a pass\n%s", name, c, ok, text(r))
		}
	}
	// It offers no data plane: the host calls it over InvokeStream.
	if c, ok := r.Find(conformance.CheckDataPlane); !ok || c.Status != conformance.Skip {
		t.Errorf("check %s: %+v (found %v), want a skip\n%s", conformance.CheckDataPlane, c, ok, text(r))
	}
	for _, tc := range []struct{ mode, check, reason string }{
		{"handshake", conformance.CheckHandshake, "not a handshake line"},
		{"call-id", conformance.CheckCallID, "came back as call"},
		{"wrong-kind", "result_kind/node.greet", "declared result string"},
		{"ignore-cancel", conformance.CheckCancel, "was cancelled but not answered"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			// Short: a broken mode waits out the bound for an answer that
			// never comes.
			r := runNode(t, script, tc.mode, 3*time.Second)
			c, ok := r.Find(tc.check)
			if !ok || c.Status != conformance.Fail || !strings.Contains(c.Reason, tc.reason) {
				t.Fatalf("check %s: %+v (found %v), want a failure saying %q\n%s", tc.check, c, ok, tc.reason, text(r))
			}
		})
	}
}
