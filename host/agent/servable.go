package agent

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/admin"
	hostmetrics "github.com/aurahost/aura-host/host/metrics"
)

// AlreadyRunningError is a deployment another host already serves from
// the same state directory.
type AlreadyRunningError struct {
	Deployment string
	PID        int
	StateDir   string
}

func (e *AlreadyRunningError) Error() string {
	return fmt.Sprintf("deployment %q is already running (pid %d, state in %s): stop it first (Ctrl-C, or kill %d), "+
		"or give this one its own state_dir", e.Deployment, e.PID, e.StateDir, e.PID)
}

// Served is a deployment Serve started.
type Served struct {
	// Group is its agents; nil for a deployment without agent blocks.
	Group *Group
	// Host is the plain host, or the first agent's: the agents run one
	// deployment's plugins, so its registry speaks for all.
	Host *host.Host
	// Metrics is the /metrics endpoint of the telemetry block's prometheus
	// address; nil when the deployment names none.
	Metrics *hostmetrics.Endpoint
}

// Serve starts dep as `aura-host run` serves it, with the admin endpoint
// in its state directory: its agents together (StartGroup: an invoke acts
// as the agent it names, through that agent's guard chain), or, for a
// deployment without agent blocks, a plain host, whose calls are not
// guarded. With a telemetry block naming a prometheus address it serves
// the deployment's /metrics there (host/metrics, Served.Metrics), taking
// the address before any plugin starts. hc configures the runtime; Serve
// sets its Deployment and Admin. The caller must Shutdown.
func Serve(ctx context.Context, dep *config.Deployment, hc host.Config) (*Served, error) {
	// A host already serving this deployment holds its state (the storage
	// and journal files): say so at once, rather than after a plugin waited
	// for a database lock.
	findCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	_, st, running := admin.FindRunning(findCtx, dep.StateDir, dep.Name)
	cancel()
	if running {
		return nil, &AlreadyRunningError{Deployment: dep.Name, PID: st.PID, StateDir: dep.StateDir}
	}
	for _, ag := range dep.Agents {
		if ag.Sync != nil {
			return nil, fmt.Errorf("%s: agent %s has a sync block, which runs on a multi-host deployment (a file with peer blocks, one per machine); "+
				"here its agents share one process and their transports have no peers: remove the sync block, or give each agent its own machine's file",
				ag.Sync.DeclRange, ag.Name)
		}
	}
	// The metrics address is taken first: a port in use fails start-up
	// before any plugin is launched.
	var m *hostmetrics.Metrics
	var ep *hostmetrics.Endpoint
	if dep.Telemetry != nil && dep.Telemetry.Prometheus != "" {
		m = hostmetrics.New()
		var err error
		if ep, err = hostmetrics.Start(dep.Telemetry, m, hc.Logger); err != nil {
			return nil, err
		}
	}
	s, err := serve(ctx, dep, hc)
	if err != nil {
		if ep != nil {
			ep.Close(ctx)
		}
		return nil, err
	}
	if ep != nil {
		s.Metrics = ep
		if s.Group == nil {
			m.AddHost("", s.Host)
		} else {
			for i, a := range s.Group.agents {
				m.AddHost(s.Group.names[i], a.Host())
			}
		}
	}
	return s, nil
}

func serve(ctx context.Context, dep *config.Deployment, hc host.Config) (*Served, error) {
	if len(dep.Agents) > 0 {
		g, err := StartGroup(ctx, GroupConfig{Deployment: dep, Admin: true, Host: hc})
		if err != nil {
			return nil, err
		}
		return &Served{Group: g, Host: g.agents[0].Host()}, nil
	}
	for _, sv := range dep.Services {
		if sv.Builtin != "" {
			return nil, fmt.Errorf("%s: service %s is hosted by an agent runtime (builtin = %q), and this deployment declares no agent: "+
				"add an agent block, or remove the service", sv.BuiltinRange, sv.Name, sv.Builtin)
		}
	}
	hc.Deployment, hc.Admin = dep, true
	h, err := host.New(hc)
	if err != nil {
		return nil, err
	}
	if err := h.Start(ctx); err != nil {
		return nil, err
	}
	return &Served{Host: h}, nil
}

// Status is what the admin endpoint serves: the group's (every agent's
// plugins, named agent/plugin when there are several), or the host's.
func (s *Served) Status() host.AdminStatus {
	if s.Group != nil {
		return s.Group.Status()
	}
	return s.Host.Status()
}

// Shutdown stops the metrics endpoint, then the group, or the host.
func (s *Served) Shutdown(ctx context.Context) error {
	if s.Metrics != nil {
		s.Metrics.Close(ctx)
	}
	if s.Group != nil {
		return s.Group.Shutdown(ctx)
	}
	return s.Host.Shutdown(ctx)
}

// CheckServable says why dep, the deployment in file, cannot be served
// on its own (`aura-host run`): in simulation mode its agents share one
// virtual clock and one simulated network that only the simulator
// advances, so a served host would wait on time that never passes. It is
// nil when dep can be served. The diagnostic's Subject is the file's mode
// attribute, nil when the file does not set the mode; its Detail names
// the commands to use instead.
func CheckServable(file string, dep *config.Deployment) *hcl.Diagnostic {
	if dep.Mode != effects.Simulation || len(dep.Agents) == 0 {
		return nil
	}
	names := AgentNames(dep)
	detail := fmt.Sprintf("In simulation mode, the %d agents of this deployment (%s) share one virtual clock and one simulated network, "+
		"which only the simulator advances; `run` serves a single host on its own. Run its protocols with\n\n"+
		"  aura-host simulate %s\n\nor serve it with its real plugins:\n\n  aura-host run %s --mode production",
		len(names), strings.Join(names, ", "), file, file)
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "A multi-agent simulation cannot be served by run", Detail: detail}
	if dep.ModeRange.Filename != "" {
		d.Subject = dep.ModeRange.Ptr()
	}
	return d
}
