// Package hosttest holds the helpers the tests of host and its
// sub-packages share: deployments written to a temporary directory, test
// loggers, the simulation tests' fixtures (SimBase, PingPongRun), and
// re-executing the test binary as a plugin (ServeIfPlugin). Only tests
// import it.
package hosttest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
)

// Deployment writes src as deployment.hcl in a fresh directory and loads
// it, after replacing each old string of replace (pairs: old, new).
func Deployment(t testing.TB, src string, replace ...string) *config.Deployment {
	t.Helper()
	src = strings.NewReplacer(replace...).Replace(src)
	path := filepath.Join(t.TempDir(), "deployment.hcl")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	dep, diags := config.Load(path, config.Options{})
	if diags.HasErrors() {
		t.Fatalf("load deployment: %v", diags)
	}
	return dep
}

// Logger logs at debug level to the test log.
func Logger(t testing.TB) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Level: hclog.Debug, Output: writer{t}})
}

// QuietLogger logs only errors to the test log (for tests whose info-level
// log would be thousands of lines).
func QuietLogger(t testing.TB) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Level: hclog.Error, Output: writer{t}})
}

type writer struct{ t testing.TB }

func (w writer) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
