package sim_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/internal/hosttest"
)

// auraHost is the aura-host CLI, built once: the production-mode
// simulation runs its built-in plugins as processes of it.
var auraHost string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "aura-sim-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	auraHost = filepath.Join(dir, "aura-host")
	if err := hosttest.Build(map[string]string{auraHost: "github.com/aurahost/aura-host/cmd/aura-host"}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func deployment(t *testing.T, src string) *config.Deployment { return hosttest.Deployment(t, src) }

func deploymentB(t testing.TB, src string) *config.Deployment { return hosttest.Deployment(t, src) }

func quietLogger(t testing.TB) hclog.Logger { return hosttest.QuietLogger(t) }
