// Package nodeexample finds the Node.js example plugin (examples/node-plugin)
// for the tests that run it: through the host, through the wire contract
// and through the conformance suite.
package nodeexample

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Script returns the path of examples/node-plugin/plugin.js, ready to run:
// node on PATH and the example's npm packages installed. When either is
// missing the test is skipped on a developer's machine, and fails under CI
// (CI set), which installs both (.ci/run).
func Script(t testing.TB) string {
	t.Helper()
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("nodeexample: cannot find the module's directory")
	}
	dir := filepath.Join(filepath.Dir(self), "..", "..", "examples", "node-plugin")
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not on PATH"
	} else if _, err := os.Stat(filepath.Join(dir, "node_modules", "@grpc", "grpc-js")); err != nil {
		missing = "examples/node-plugin/node_modules is missing"
	}
	if missing != "" {
		if os.Getenv("CI") == "" {
			t.Skipf("%s: install Node.js and run `npm ci` in examples/node-plugin to run this test", missing)
			return ""
		}
		t.Fatalf("%s: CI runs the Node.js example plugin: install nodejs and npm, then run `npm ci` in examples/node-plugin (.ci/run does both)", missing)
		return ""
	}
	return filepath.Join(dir, "plugin.js")
}
