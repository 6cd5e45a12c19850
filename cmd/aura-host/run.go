package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/tracing"
	"github.com/aurahost/aura-host/multihost"
)

// shutdownBound bounds a whole shutdown; each plugin also has its own.
const shutdownBound = 10 * time.Second

func newRunCommand(g *globals) *cobra.Command {
	var mode *modeValue
	var decide []string
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Start a deployment and serve until interrupted",
		Long: `Start every plugin of the deployment, show each plugin's state, PID,
version and operation count, serve until SIGINT or SIGTERM, then shut every
plugin down (one that does not stop in time is killed).

With agent blocks, each agent has its own plugins (AGENT/PLUGIN in the
table), its state in <state_dir>/agents/AGENT (guard.db: its budgets and
receipts) and its guard chain, which every call made as it passes
(` + "`aura-host invoke --as AGENT`" + ` too). Without, run is a plain plugin host
and says so: its calls are not guarded.

` + modeHelp + `
In simulation mode run serves one host on its own virtual clock; several
agents share one timeline only ` + "`aura-host simulate`" + ` drives: run refuses them.

A file with peer blocks is one machine of a multi-host deployment
(examples/multihost): run runs its run blocks in order as its agents' roles,
records each outcome in <state_dir>/runs (a restart skips completed ones) and serves
the peers until interrupted. A relay block makes it a circuit relay too (or
only); other machines name it as a peer with relay = true.`,
		Example: `  aura-host run examples/quickstart/deployment.hcl
  aura-host run examples/quickstart/deployment.hcl --mode testing
  aura-host run examples/simulation/deployment.hcl --mode production
  aura-host run examples/multihost/guardian_1.hcl --decide 'Guardian[*]=Approve'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			logger, err := g.logger(stderr, false)
			if err != nil {
				return err
			}
			file := args[0]
			dep, err := loadDeployment(g, file, mode)
			if err != nil {
				return err
			}
			if d := agent.CheckServable(file, dep); d != nil {
				if mode.mode != "" || d.Subject == nil { // the flag chose the mode: point at it, not the file
					d.Subject, d.Summary = nil, fmt.Sprintf("--mode simulation: %s cannot be served by run", file)
				}
				writeDiagnostic(d, dep.Files)
				return &exitError{code: 1}
			}
			logger.Info("starting deployment", "deployment", dep.Name, "mode", dep.Mode, "plugins", len(dep.Plugins), "agents", len(dep.Agents))
			if dep.Relay != nil || len(dep.Peers) > 0 {
				exe, err := os.Executable()
				if err != nil {
					return err
				}
				return reportHostError(dep, decideError(multihost.Serve(ctx, cmd.OutOrStdout(), file, dep, decide, exe, logger)))
			}
			// Spans go to standard output, after the serving table.
			tp, err := tracing.StartDeployment(ctx, dep, tracing.Options{Stdout: cmd.OutOrStdout()})
			if err != nil {
				return err
			}
			defer shutdown(tp.Shutdown, logger) // after the host's, whose calls it flushes
			s, err := agent.Serve(ctx, dep, host.Config{Logger: logger, TracerProvider: tp.TracerProvider()})
			if err != nil {
				return reportHostError(dep, err)
			}
			defer shutdown(s.Shutdown, logger)
			logger.Info("serving", "authority", s.Status().Authority) // with agents: name=authority, each
			s.WriteServing(cmd.OutOrStdout(), dep)
			<-ctx.Done()
			logger.Info("shutting down")
			return nil
		},
	}
	mode = addModeFlag(cmd.Flags())
	cmd.Flags().StringArrayVar(&decide, "decide", nil, "ROLE=LABEL, with peer blocks: the branch this machine's ROLE takes at choices its runs leave to the host, e.g. 'Guardian[*]=Approve' (repeatable; default: chosen by the seed)")
	return cmd
}
