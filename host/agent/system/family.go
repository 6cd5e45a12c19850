package system

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/health"
	"github.com/aurahost/aura-host/host/lifecycle"
)

// Agent is what the system family reads and changes of the agent that
// registers it. host/agent.Agent satisfies it: the family needs the
// agent's identity, its host and what only the agent knows of its
// hosted services, and nothing else of the runtime.
type Agent interface {
	// AuthorityID is the authority the agent acts for: the only one a
	// call of the family may name.
	AuthorityID() effects.AuthorityID
	// Mode is the agent's execution mode (the agent.mode setting).
	Mode() effects.Mode
	// Host is the runtime underneath: its plugins, its registry, its
	// router (flow budgets and their limit, session guards) and its
	// trace counts. The family calls it only once the agent runs.
	Host() *host.Host
	// Services is the status of every service of the deployment,
	// plugin-backed or hosted, in start order.
	Services() []lifecycle.Status
	// ServiceSettings are the settings of the host-owned services'
	// config blocks, each built by ServiceSetting.
	ServiceSettings() []*Setting
	// LocalHealth is the snapshot of the agent's local health observer,
	// ok false when it runs none.
	LocalHealth() (snap health.Snapshot, ok bool)
}

// Config configures a Family.
type Config struct {
	// Agent is the agent the family serves. Required.
	Agent Agent
	// Registry is the registry the family is registered in: a call to an
	// operation it does not serve is counted under "unknown". Required.
	Registry *effects.Registry
	// Allow is the agent's capability patterns (the agent.allow setting,
	// read-only).
	Allow []string
	// Logger is the agent's log, whose level agent.log_level sets.
	// Default: a null logger.
	Logger hclog.Logger
}

// Family serves the system family in process for one agent. It is
// registered directly, like device.*, rather than as a service kind a
// deployment declares: every agent has it (AURA-SPEC §3 lists it among
// the effects, not the services), it reads what only the runtime sees —
// its plugins, its hosted services, its router's calls, its guard chain
// — and it must be registered before any plugin so none can claim it.
//
// Who may call what: every operation is reachable only from inside the
// agent's process boundary (its facades, its plugins' callbacks, its
// protocols, `aura-host invoke --as`), never from a peer. Reading is
// harmless; set_config changes how the agent behaves, so the guard chain
// guards it (host.DefaultGuardPolicy): the agent's allow list must grant
// system.set_config, and a denial journals nothing and changes nothing.
type Family struct {
	agent   Agent
	allow   []string
	logger  hclog.Logger
	level   atomic.Pointer[string] // as set_config left it; nil: the logger's
	metrics *metrics
	// configMu serialises set_config: check, apply, journal.
	configMu sync.Mutex
}

// New makes the family of cfg.Agent. Install Observe as a Router observer
// before the first call, so that the counters see every call.
func New(cfg Config) *Family {
	logger := cfg.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &Family{agent: cfg.Agent, allow: cfg.Allow, logger: logger, metrics: newMetrics(cfg.Registry)}
}

// Invoke serves one call of the family.
func (f *Family) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	if err := ctx.Err(); err != nil {
		return effects.Value{}, err
	}
	if self := f.agent.AuthorityID(); !call.Authority.IsZero() && call.Authority != self {
		return effects.Value{}, &effects.Error{Code: effects.CodeDenied, Op: call.Op,
			Message: fmt.Sprintf("this agent acts for %s, the call names %s", self, call.Authority)}
	}
	switch call.Op {
	case effects.SystemHealthCheck:
		return f.HealthCheck().Value(), nil
	case effects.SystemGetMetrics:
		return f.metricsValue(ctx)
	case effects.SystemGetConfig:
		return f.getConfig(call)
	case effects.SystemSetConfig:
		return f.setConfig(ctx, call)
	}
	return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: call.Op}
}

var _ effects.Handler = (*Family)(nil)
