package metrics_test

import (
	"os"
	"testing"

	"github.com/aurahost/aura-host/host/internal/hosttest"
	"github.com/aurahost/aura-host/plugins"
)

// auraHost is this test binary, which serves the built-in plugins as real
// processes when the host re-executes it (hosttest.ServeIfPlugin).
var auraHost string

func TestMain(m *testing.M) {
	auraHost = hosttest.ServeIfPlugin(plugins.Lookup)
	os.Exit(m.Run())
}
