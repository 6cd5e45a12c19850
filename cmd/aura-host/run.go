package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/supervise"
)

// shutdownBound bounds a whole shutdown; each plugin also has its own.
const shutdownBound = 10 * time.Second

func newRunCommand(g *globals) *cobra.Command {
	var mode *modeValue
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Start a deployment and serve until interrupted",
		Long: `Start every plugin of the deployment, show each plugin's state, PID,
version and operation count, then serve until SIGINT or SIGTERM, and shut
every plugin down (a plugin that does not stop in time is killed).

A deployment with agent blocks runs its agents: each has its own plugins
(named AGENT/PLUGIN in the table when there are several), its state in
<state_dir>/agents/AGENT (its guard state, budgets and receipts, in guard.db
there), and its guard chain, which every call made as it passes —
` + "`aura-host invoke --as AGENT`" + ` included. A deployment without agent blocks is a
plain plugin host, and run says so: its calls are not guarded.

` + modeHelp + `

In simulation mode, run serves one host's operations with the simulation
plugins on its own virtual clock. A deployment with agent blocks is several
agents on one virtual timeline, which only ` + "`aura-host simulate`" + ` drives:
run refuses it in simulation mode and says so.`,
		Example: `  aura-host run examples/quickstart/deployment.hcl
  aura-host run examples/quickstart/deployment.hcl --mode testing
  aura-host run examples/simulation/deployment.hcl --mode production`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			logger, err := g.logger(stderr, false)
			if err != nil {
				return err
			}
			dep, err := loadDeployment(g, args[0], mode)
			if err != nil {
				return err
			}
			if err := checkServable(args[0], dep, mode.mode != ""); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(dep.Agents) > 0 {
				return runAgents(ctx, out, dep, logger)
			}
			h, err := host.New(host.Config{Deployment: dep, Logger: logger, Admin: true})
			if err != nil {
				return err
			}
			logger.Info("starting deployment", "deployment", dep.Name, "mode", dep.Mode, "plugins", len(dep.Plugins), "authority", h.Authority())
			if err := h.Start(ctx); err != nil {
				return reportHostError(dep, err)
			}
			defer shutdown(h.Shutdown, logger)
			supervise.WritePluginTable(out, h.Plugins())
			fmt.Fprintf(out, "\n%s\ndeployment %q is serving %d operations; press Ctrl-C to stop\n", noAgents, dep.Name, len(h.Registry().Entries()))
			<-ctx.Done()
			logger.Info("shutting down")
			return nil
		},
	}
	mode = addModeFlag(cmd.Flags())
	return cmd
}

// runAgents serves a deployment's agents until ctx ends: each agent its own
// plugins and guard chain, the admin endpoint acting as the agent a call
// names (`aura-host invoke --as`).
func runAgents(ctx context.Context, out io.Writer, dep *config.Deployment, logger hclog.Logger) error {
	names := agent.AgentNames(dep)
	logger.Info("starting deployment", "deployment", dep.Name, "mode", dep.Mode, "plugins", len(dep.Plugins), "agents", strings.Join(names, ", "))
	g, err := agent.StartGroup(ctx, agent.GroupConfig{Deployment: dep, Admin: true, Host: host.Config{Logger: logger}})
	if err != nil {
		return reportHostError(dep, err)
	}
	defer shutdown(g.Shutdown, logger)
	supervise.WritePluginTable(out, g.Plugins())
	ops := len(g.Agents()[0].Host().Registry().Entries())
	fmt.Fprintf(out, "\ndeployment %q is serving %d operations as its agents %s, each call through its agent's guard chain; press Ctrl-C to stop\n",
		dep.Name, ops, strings.Join(names, ", "))
	<-ctx.Done()
	logger.Info("shutting down")
	return nil
}

// checkServable refuses to serve a deployment run cannot serve
// (agent.CheckServable: a multi-agent simulation). fromFlag says whether
// --mode (rather than the file) chose the mode, which decides where the
// message points.
func checkServable(file string, dep *config.Deployment, fromFlag bool) error {
	d := agent.CheckServable(file, dep)
	if d == nil {
		return nil
	}
	if fromFlag || d.Subject == nil {
		fmt.Fprintf(stderr, "Error: --mode simulation: %s cannot be served by run\n\n%s\n", file, d.Detail)
		return &exitError{code: 1}
	}
	_ = config.WriteDiagnostics(stderr, dep.Files, hcl.Diagnostics{d}, colorful(stderr))
	return &exitError{code: 1}
}
