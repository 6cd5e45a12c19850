package agent

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/admin"
)

// NoAgents is what is said of a deployment without agent blocks: a plain
// plugin host, whose calls no guard chain checks.
const NoAgents = "no agents: calls are not guarded"

// WriteServing prints what `aura-host run` shows once the deployment
// serves: the start tables (admin.Status.WriteStartTables), then how many
// operations dep (the deployment served) serves and as whom.
func (s *Served) WriteServing(w io.Writer, dep *config.Deployment) {
	st := s.Status()
	st.WriteStartTables(w)
	if s.Metrics != nil {
		fmt.Fprintf(w, "\nmetrics at %s\n", s.Metrics.URL())
	}
	serving := fmt.Sprintf("deployment %q is serving %d operations", dep.Name, len(s.Host.Registry().Entries()))
	if s.Group == nil {
		fmt.Fprintf(w, "\n%s\n%s; press Ctrl-C to stop\n", NoAgents, serving)
		return
	}
	fmt.Fprintf(w, "\n%s as its agents %s, each call through its agent's guard chain; press Ctrl-C to stop\n",
		serving, strings.Join(AgentNames(dep), ", "))
}

// OneOffShutdown bounds the shutdown of what InvokeOnce started.
const OneOffShutdown = 10 * time.Second

// InvokeOnce makes one call typed as NAME=VALUE texts (`aura-host
// invoke`) as agent as ("": the only one) in dep, within timeout: into the
// host serving dep when one runs and useRunning (calling it through its
// admin endpoint rather than starting a second copy, whose storage the
// first holds locked) — running is then that host's PID — else into what
// StartAs starts for the call, with hc, stopped afterwards (running 0).
// A start-up failure is StartAs's error, configuration mistakes included.
func InvokeOnce(ctx context.Context, dep *config.Deployment, as string, op effects.OpID, args []string,
	timeout time.Duration, useRunning bool, hc host.Config) (v effects.Value, running int, err error) {
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if c, st, ok := admin.FindRunning(callCtx, dep.StateDir, dep.Name); ok && useRunning {
		v, err = c.InvokeText(callCtx, as, op, args)
		return v, st.PID, err
	}
	// Start-up is bounded by ctx, not by the call's timeout.
	h, stop, err := StartAs(ctx, dep, as, hc)
	if err != nil {
		return effects.Value{}, 0, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), OneOffShutdown)
		defer cancel()
		if serr := stop(sctx); serr != nil && hc.Logger != nil {
			hc.Logger.Error("shutdown", "error", serr)
		}
	}()
	v, err = h.InvokeText(callCtx, op, args)
	return v, 0, err
}
