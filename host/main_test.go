package host_test

import (
	"os"
	"testing"

	"github.com/aurahost/aura-host/host/internal/hosttest"
	"github.com/aurahost/aura-host/plugins"
)

// The subprocess tests re-execute this test binary as their plugins (see
// hosttest.ServeIfPlugin) instead of building cmd/aura-host and a plugin.
var (
	auraHost   string // serves the built-in plugins as `auraHost plugin serve NAME`
	testPlugin string // host/internal/testplugin: misbehaves on request
)

func TestMain(m *testing.M) {
	exe := hosttest.ServeIfPlugin(plugins.Lookup)
	auraHost, testPlugin = exe, exe
	os.Exit(m.Run())
}
