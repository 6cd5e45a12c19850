package scenario_test

import (
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/internal/hosttest"
)

// The fixtures the simulation tests share (hosttest's), under the names
// host/sim's tests use: two agents on a simulated network, one ping-pong
// run.

func protocolsDir() string { return hosttest.ProtocolsDir() }

const simBase = hosttest.SimBase

const pingPongRun = hosttest.PingPongRun

func deployment(t *testing.T, src string) *config.Deployment { return hosttest.Deployment(t, src) }

func quietLogger(t testing.TB) hclog.Logger { return hosttest.QuietLogger(t) }
