package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/host"
)

// shutdownBound bounds a whole shutdown; each plugin also has its own.
const shutdownBound = 10 * time.Second

func newRunCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "run FILE",
		Short: "Start a deployment and serve until interrupted",
		Long: `Start every plugin of the deployment, show each plugin's state, PID,
version and operation count, then serve until SIGINT or SIGTERM, and shut
every plugin down (a plugin that does not stop in time is killed).`,
		Example: "  aura-host run examples/quickstart/deployment.hcl",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			h, dep, logger, err := newHost(g, args[0], false, true)
			if err != nil {
				return err
			}
			logger.Info("starting deployment", "deployment", dep.Name, "mode", dep.Mode, "plugins", len(dep.Plugins), "authority", h.Authority())
			if err := h.Start(ctx); err != nil {
				return reportHostError(dep, err)
			}
			defer shutdown(h, logger)
			printPlugins(cmd.OutOrStdout(), h.Plugins())
			fmt.Fprintf(cmd.OutOrStdout(), "\ndeployment %q is serving %d operations; press Ctrl-C to stop\n", dep.Name, len(h.Registry().Entries()))
			<-ctx.Done()
			logger.Info("shutting down")
			return nil
		},
	}
}

func printPlugins(w io.Writer, plugins []host.PluginStatus) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PLUGIN\tSTATE\tPID\tVERSION\tOPERATIONS")
	for _, p := range plugins {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\n", p.Name, p.State, p.PID, p.Version, p.Operations)
	}
	_ = tw.Flush()
}
