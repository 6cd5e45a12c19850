package builtin_test

import (
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/internal/hosttest"
)

// The builtin services' tests drive them through agents, every plugin in
// process: no binaries to build.

func deployment(t *testing.T, src string) *config.Deployment { return hosttest.Deployment(t, src) }

func quietLogger(t *testing.T) hclog.Logger { return hosttest.QuietLogger(t) }
