package agent_test

import (
	"os"
	"testing"

	"github.com/aurahost/aura-host/host/internal/hosttest"
	"github.com/aurahost/aura-host/plugins"
)

// auraHost serves the built-in plugins as processes for the tests that
// want real plugin processes (the sync acceptance test): this test binary,
// re-executed (hosttest.ServeIfPlugin). The other agent tests run their
// plugins in process.
var auraHost string

func TestMain(m *testing.M) {
	auraHost = hosttest.ServeIfPlugin(plugins.Lookup)
	if spec := os.Getenv(syncDeviceEnv); spec != "" {
		os.Exit(runSyncDevice(spec))
	}
	os.Exit(m.Run())
}
