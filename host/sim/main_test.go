package sim_test

import (
	"os"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/internal/hosttest"
	"github.com/aurahost/aura-host/plugins"
)

// auraHost serves the built-in plugins of the production-mode simulation
// as processes: this test binary, re-executed (hosttest.ServeIfPlugin).
var auraHost string

func TestMain(m *testing.M) {
	auraHost = hosttest.ServeIfPlugin(plugins.Lookup)
	if spec := os.Getenv(deviceProcessEnv); spec != "" {
		os.Exit(runDeviceProcess(spec))
	}
	os.Exit(m.Run())
}

func deployment(t *testing.T, src string) *config.Deployment { return hosttest.Deployment(t, src) }

func deploymentB(t testing.TB, src string) *config.Deployment { return hosttest.Deployment(t, src) }

func quietLogger(t testing.TB) hclog.Logger { return hosttest.QuietLogger(t) }
